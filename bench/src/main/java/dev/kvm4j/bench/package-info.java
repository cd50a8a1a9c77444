package dev.kvm4j.bench;
