package io.stillpoint.host.hyperv;

import io.stillpoint.host.InvalidHostSettingsException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How a remote Hyper-V host is reached: PowerShell remoting's {@code Invoke-Command} with the parameters
 * an admin may choose, parsed from the host's {@code remote} setting (the form admins wrote before, such
 * as {@code Invoke-Command -ComputerName hv01 -UseSSL}) and written into scripts by Stillpoint, each value
 * checked against what it may be and quoted, so nothing typed in a setting runs as code. Credentials are
 * settings of their own ({@code remoteUser}, {@code remotePassword}) that reach PowerShell in its
 * environment, never in a script or on a command line that other users of the server could read.
 */
public final class HyperVRemote {

    /** Environment variables through which the credential reaches the PowerShell process. */
    static final String USER_VARIABLE = "STILLPOINT_REMOTE_USER";
    static final String PASSWORD_VARIABLE = "STILLPOINT_REMOTE_PASSWORD";

    private static final Pattern HOST = Pattern.compile(
            "[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
    private static final Pattern USER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@\\\\-]{0,103}");
    private static final Pattern CONFIGURATION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Pattern KEY_FILE = Pattern.compile("[A-Za-z0-9._/\\\\:~-]{1,260}");
    private static final List<String> AUTHENTICATIONS = List.of("Default", "Basic", "Negotiate",
            "NegotiateWithImplicitCredential", "Credssp", "Digest", "Kerberos");
    private static final List<String> SWITCHES = List.of("-UseSSL", "-SSHTransport");
    private static final List<String> VALUED = List.of("-ComputerName", "-HostName", "-Port", "-Authentication",
            "-ConfigurationName", "-UserName", "-KeyFilePath");

    /** Parameters in the order given, each with its checked value ({@code null} for a switch). */
    private final Map<String, String> parameters;
    private final Optional<String> credentialUser;
    private final Optional<String> credentialPassword;

    private HyperVRemote(Map<String, String> parameters, Optional<String> credentialUser,
            Optional<String> credentialPassword) {
        this.parameters = parameters;
        this.credentialUser = credentialUser;
        this.credentialPassword = credentialPassword;
    }

    /**
     * @param remote the {@code remote} setting
     * @param user the {@code remoteUser} setting, or empty
     * @param password the {@code remotePassword} setting, or empty
     * @throws InvalidHostSettingsException naming the setting that is not understood, without echoing a
     *     value that could be a secret
     */
    static HyperVRemote parse(String remote, Optional<String> user, Optional<String> password) {
        String[] words = remote.strip().split("\\s+");
        if (!words[0].equalsIgnoreCase("Invoke-Command")) {
            throw invalid("must start with Invoke-Command");
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        for (int i = 1; i < words.length; i++) {
            String parameter = canonical(words[i]);
            if (parameters.containsKey(parameter)) {
                throw invalid("names " + parameter + " twice");
            }
            if (SWITCHES.contains(parameter)) {
                parameters.put(parameter, null);
                continue;
            }
            if (i + 1 >= words.length) {
                throw invalid(parameter + " needs a value");
            }
            parameters.put(parameter, value(parameter, unquoted(words[++i])));
        }
        if (parameters.containsKey("-ComputerName") == parameters.containsKey("-HostName")) {
            throw invalid("needs one of -ComputerName (WinRM) or -HostName (SSH)");
        }
        if (user.isPresent() != password.isPresent()) {
            throw new InvalidHostSettingsException(user.isPresent() ? HyperVHypervisorFactory.REMOTE_PASSWORD
                    : HyperVHypervisorFactory.REMOTE_USER, "remoteUser and remotePassword go together");
        }
        if (user.isPresent() && !USER.matcher(user.get()).matches()) {
            throw new InvalidHostSettingsException(HyperVHypervisorFactory.REMOTE_USER,
                    "must be a user name such as 'HV01\\\\backup' or 'backup@example.org'");
        }
        if (user.isPresent() && parameters.containsKey("-HostName")) {
            throw new InvalidHostSettingsException(HyperVHypervisorFactory.REMOTE_USER,
                    "SSH remoting (-HostName) takes -UserName and -KeyFilePath in 'remote', not a password");
        }
        return new HyperVRemote(parameters, user, password);
    }

    /**
     * {@code Invoke-Command} with the checked parameters, each value quoted, and the credential taken
     * from the environment; the caller appends {@code -ScriptBlock}.
     */
    String prefix() {
        StringBuilder prefix = new StringBuilder(command());
        if (credentialUser.isPresent()) {
            prefix.append(" -Credential ([System.Management.Automation.PSCredential]::new($env:")
                    .append(USER_VARIABLE).append(", (ConvertTo-SecureString $env:").append(PASSWORD_VARIABLE)
                    .append(" -AsPlainText -Force)))");
        }
        return prefix.toString();
    }

    /** The variables the PowerShell process needs for {@link #prefix()}. */
    Map<String, String> environment() {
        if (credentialUser.isEmpty()) {
            return Map.of();
        }
        return Map.of(USER_VARIABLE, credentialUser.get(), PASSWORD_VARIABLE, credentialPassword.orElseThrow());
    }

    /** The prefix as it reads, with the credential's user at most: safe to show and to log. */
    public String describe() {
        return command() + credentialUser.map(u -> " as " + u).orElse("");
    }

    private String command() {
        StringBuilder text = new StringBuilder("Invoke-Command");
        parameters.forEach((parameter, value) -> {
            text.append(' ').append(parameter);
            if (value != null) {
                text.append(' ').append(parameter.equals("-Port") ? value : PowerShell.quote(value));
            }
        });
        return text.toString();
    }

    @Override
    public String toString() {
        return describe();
    }

    private static String canonical(String word) {
        for (String known : SWITCHES) {
            if (known.equalsIgnoreCase(word)) {
                return known;
            }
        }
        for (String known : VALUED) {
            if (known.equalsIgnoreCase(word)) {
                return known;
            }
        }
        // A word that is not a parameter may be anything, a password too, so it is not repeated.
        throw invalid((word.startsWith("-") ? "'" + word + "' is not" : "has a value where a parameter belongs; only")
                + " one of the parameters Stillpoint passes to Invoke-Command: " + String.join(", ", SWITCHES) + ", "
                + String.join(", ", VALUED));
    }

    private static String value(String parameter, String value) {
        boolean valid = switch (parameter) {
            case "-ComputerName", "-HostName" -> HOST.matcher(value).matches() && value.length() <= 253;
            case "-Port" -> value.matches("[0-9]{1,5}") && Integer.parseInt(value) >= 1 && Integer.parseInt(value) <= 65535;
            case "-Authentication" -> AUTHENTICATIONS.stream().anyMatch(a -> a.equalsIgnoreCase(value));
            case "-ConfigurationName" -> CONFIGURATION.matcher(value).matches();
            case "-UserName" -> USER.matcher(value).matches();
            case "-KeyFilePath" -> KEY_FILE.matcher(value).matches();
            default -> false;
        };
        if (!valid) {
            throw invalid(parameter + " must be " + switch (parameter) {
                case "-ComputerName", "-HostName" -> "a host name or an IP address";
                case "-Port" -> "a port from 1 to 65535";
                case "-Authentication" -> "one of " + String.join(", ", AUTHENTICATIONS);
                case "-ConfigurationName" -> "a session configuration's name (letters, digits, '.', '_', '-')";
                case "-UserName" -> "a user name";
                default -> "a path of letters, digits and '.', '_', '-', '/', '\\\\', ':', '~'";
            });
        }
        if (parameter.equals("-Authentication")) {
            return AUTHENTICATIONS.stream().filter(a -> a.equalsIgnoreCase(value)).findFirst().orElseThrow();
        }
        return value;
    }

    private static String unquoted(String value) {
        if (value.length() >= 2 && (value.startsWith("'") && value.endsWith("'")
                || value.startsWith("\"") && value.endsWith("\""))) {
            return value.substring(1, value.length() - 1);
        }
        return value;
    }

    private static InvalidHostSettingsException invalid(String problem) {
        return new InvalidHostSettingsException(HyperVHypervisorFactory.REMOTE, problem
                + " (e.g. 'Invoke-Command -ComputerName hv01 -UseSSL'; credentials go in remoteUser and remotePassword)");
    }
}
