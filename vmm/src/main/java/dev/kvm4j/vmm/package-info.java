package dev.kvm4j.vmm;
