package io.stillpoint.host;

public class GuestNotFoundException extends HostException {

    public GuestNotFoundException(String hostName, String ref) {
        super("guest '" + ref + "' does not exist on host '" + hostName + "'");
    }
}
