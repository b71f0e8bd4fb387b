package dev.oauthrefresher.common;

import jakarta.inject.Singleton;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * This process among the service's replicas: host name and process id, the first part of every lease owner and the
 * key of this replica's vault-budget heartbeat. A bean, not a static, because a native image initialises classes at
 * build time: a static would carry the build machine's host name into every pod.
 */
@Singleton
public class Replica {

    private final String id = hostName() + "/" + ProcessHandle.current().pid();

    /** {@code host/pid}: unique among live replicas (a pod's host name is its own; processes on one host differ by pid). */
    public String id() {
        return id;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown-host";
        }
    }
}
