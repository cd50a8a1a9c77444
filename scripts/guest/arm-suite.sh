#!/bin/sh
# Inside the emulated arm64 host: every test that needs real KVM, through the JUnit console launcher.
# JUnit XML lands in /out/reports, which rig/exec brings back to the host.
# The tests run on the class path: their classes sit in the product's own packages (white-box tests), which
# the module system allows only by patching each test jar into its module, one --patch-module per module,
# something the console launcher cannot do from a scan. Surefire does it on the host (module path, native
# access for dev.kvm4j.kvm only, anything else refused). The examples' test starts each example as a real
# module from modules/ (kvm4j.modules), the way a user runs it.
cd /payload || exit 125
# the rig's init leaves loopback down; the gdb stub's real-KVM test talks to it over 127.0.0.1
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up 2>/dev/null || true
[ -d /payload/guest ] && export KVM4J_DEFAULT_GUEST=/payload/guest
CP=$(ls lib/*.jar | grep -v console-standalone | tr '\n' ':')
TESTS=$(ls lib/*-tests.jar | tr '\n' ':')
echo "ARM suite on $(uname -m), $(cat /proc/cpuinfo | grep -c ^processor) CPUs, kernel $(uname -r)"
exec java $KVM4J_JAVA_OPTS $KVM4J_AOT_OPTS --enable-native-access=ALL-UNNAMED -Dkvm4j.modules=/payload/modules -jar lib/junit-platform-console-standalone.jar execute \
    --disable-banner --details=tree --class-path "$CP" --scan-class-path "$TESTS" \
    --exclude-engine junit-vintage --exclude-engine junit-platform-suite --exclude-engine jqwik --include-tag real-kvm --reports-dir /out/reports
