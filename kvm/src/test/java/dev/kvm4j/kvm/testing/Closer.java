package dev.kvm4j.kvm.testing;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What a test fixture has opened so far, closed in reverse order: a constructor that fails half-way
 * closes what it had (see {@link #closeAfter}) instead of leaking fds and mappings into the next test.
 */
public final class Closer implements AutoCloseable {
    private final Deque<AutoCloseable> opened = new ArrayDeque<>();

    public <T extends AutoCloseable> T add(T resource) {
        opened.push(resource);
        return resource;
    }

    /** For a constructor's catch: closes everything, keeping close failures as suppressed; rethrow {@code failure}. */
    public void closeAfter(Throwable failure) {
        try {
            close();
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    @Override
    public void close() {
        RuntimeException first = null;
        while (!opened.isEmpty()) {
            try {
                opened.pop().close();
            } catch (Exception e) {
                RuntimeException r = e instanceof RuntimeException re ? re : new IllegalStateException(e);
                if (first == null) first = r; else first.addSuppressed(r);
            }
        }
        if (first != null) throw first;
    }
}
