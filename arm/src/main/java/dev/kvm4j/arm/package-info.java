package dev.kvm4j.arm;
