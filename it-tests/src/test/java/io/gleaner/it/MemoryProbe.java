package io.gleaner.it;

import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryUsage;
import javax.management.JMException;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * Reads the memory of a role running as a child JVM from outside: the live heap through the
 * child's own {@link MemoryMXBean} (the JDK's attach API starts its local JMX agent; no port is
 * opened), the resident set from {@code /proc}. One probe per incarnation of a role.
 */
final class MemoryProbe implements AutoCloseable {
    private final RoleProcess role;
    private final JMXConnector connector;
    private final MemoryMXBean memory;
    private final MBeanServerConnection server;

    private MemoryProbe(RoleProcess role, JMXConnector connector, MemoryMXBean memory) throws IOException {
        this.role = role;
        this.connector = connector;
        this.memory = memory;
        this.server = connector.getMBeanServerConnection();
    }

    /** Attaches to the running role's JVM. */
    static MemoryProbe attach(RoleProcess role) {
        try {
            VirtualMachine vm = VirtualMachine.attach(Long.toString(role.pid()));
            String address;
            try {
                address = vm.startLocalManagementAgent();
            } finally {
                vm.detach();
            }
            JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(address));
            MemoryMXBean memory = ManagementFactory.newPlatformMXBeanProxy(connector.getMBeanServerConnection(),
                    ManagementFactory.MEMORY_MXBEAN_NAME, MemoryMXBean.class);
            return new MemoryProbe(role, connector, memory);
        } catch (AttachNotSupportedException | IOException e) {
            throw new IllegalStateException("could not attach to role " + role.name() + " (pid " + role.pid()
                    + ") to read its heap: " + e + "; the attach API needs the same user and a shared /tmp", e);
        }
    }

    /**
     * One reading: a full collection first ({@code System.gc()} in the child), so the heap figure is
     * what is still reachable, the retained set a leak would grow; then the resident set.
     */
    Reading read() {
        memory.gc();
        MemoryUsage heap = memory.getHeapMemoryUsage();
        return new Reading(heap.getUsed(), heap.getCommitted(), role.residentKib() * 1024);
    }

    /**
     * @param heapAfterGcBytes heap in use right after a full collection
     * @param heapCommittedBytes heap the JVM has reserved from the OS
     * @param residentBytes the process's resident set (VmRSS)
     */
    record Reading(long heapAfterGcBytes, long heapCommittedBytes, long residentBytes) {
        /**
         * Resident memory outside the Java heap (thread stacks, metaspace, code, RocksDB, PyTorch,
         * malloc arenas): the resident set less the committed heap, which the roles of the soak
         * pre-touch ({@code -XX:+AlwaysPreTouch}, {@code -Xms} = {@code -Xmx}) so all of it is resident.
         */
        long nativeBytes() {
            return residentBytes - heapCommittedBytes;
        }
    }

    /**
     * Runs {@code jcmd <pid> VM.native_memory <argument>} in the child through its DiagnosticCommand
     * MBean ({@code baseline}, {@code summary.diff}); the child must run with
     * {@code -XX:NativeMemoryTracking=summary}. Returns the command's output.
     */
    String nativeMemory(String argument) {
        try {
            return (String) server.invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"), "vmNativeMemory",
                    new Object[] {new String[] {argument}}, new String[] {String[].class.getName()});
        } catch (JMException | IOException e) {
            throw new IllegalStateException("VM.native_memory " + argument + " failed in role " + role.name() + ": " + e, e);
        }
    }

    @Override
    public void close() {
        try {
            connector.close();
        } catch (IOException e) {
            throw new UncheckedIOException("could not close the JMX connection to role " + role.name(), e);
        }
    }
}
