package dev.kvm4j.vmm;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class BootTimelineTest {
    @Test
    void marksAreRelativeToStartAndReportedInOrder() {
        BootTimeline t = new BootTimeline(1_000_000);
        t.mark(BootTimeline.LOADED, 3_500_000);
        t.mark(BootTimeline.VM_CREATED, 4_000_000);
        assertEquals(List.of(new BootTimeline.Mark(BootTimeline.LOADED, 2_500_000), new BootTimeline.Mark(BootTimeline.VM_CREATED, 3_000_000)), t.marks());
        String report = t.report();
        assertTrue(report.contains("    2.500  +   2.500  kernel, initrd and DTB loaded"), report);
        assertTrue(report.contains("    3.000  +   0.500  VM created"), report);
    }

    @Test
    void markOnceKeepsOnlyTheFirst() {
        BootTimeline t = new BootTimeline();
        assertTrue(t.markOnce(BootTimeline.FIRST_CONSOLE_BYTE));
        assertFalse(t.markOnce(BootTimeline.FIRST_CONSOLE_BYTE));
        assertEquals(1, t.marks().size());
    }
}
