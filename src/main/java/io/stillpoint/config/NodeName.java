package io.stillpoint.config;

import jakarta.enterprise.context.ApplicationScoped;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** This server node's name, recorded on the runs and restores it executes so recovery finds its own. */
@ApplicationScoped
public class NodeName {

    private final String value;

    NodeName(StillpointConfig config) {
        this.value = config.node().orElseGet(NodeName::hostName);
    }

    public String value() {
        return value;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
