/**
 * The in-kernel ARM interrupt controller (vGIC), GICv2 or GICv3: {@link dev.kvm4j.arm.gic.Vgic} creates it,
 * places its frames in the guest's memory map (checked against every other range) and initialises it; a
 * {@link dev.kvm4j.arm.gic.GicVersion} says which one, and interrupt lines (SPIs and PPIs) are raised and lowered
 * through it. Problems, such as a version the host lacks or overlapping frames, are
 * {@link dev.kvm4j.arm.gic.GicException}s naming the frame and the limit.
 */
package dev.kvm4j.arm.gic;
