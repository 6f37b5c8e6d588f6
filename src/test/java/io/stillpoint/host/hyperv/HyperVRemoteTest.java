package io.stillpoint.host.hyperv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stillpoint.host.InvalidHostSettingsException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@code remote} setting is parsed into known parameters and written by Stillpoint; nothing typed runs as code. */
class HyperVRemoteTest {

    private static final Optional<String> NONE = Optional.empty();

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "Invoke-Command -ComputerName HV01 | Invoke-Command -ComputerName 'HV01'",
        "invoke-command -computername hv01.example.org -usessl -port 5986 -authentication negotiate"
                + " | Invoke-Command -ComputerName 'hv01.example.org' -UseSSL -Port 5986 -Authentication 'Negotiate'",
        "Invoke-Command -ComputerName 'hv01' -ConfigurationName Microsoft.PowerShell"
                + " | Invoke-Command -ComputerName 'hv01' -ConfigurationName 'Microsoft.PowerShell'",
        "Invoke-Command -HostName 10.0.0.7 -UserName backup -KeyFilePath /root/.ssh/id_ed25519"
                + " | Invoke-Command -HostName '10.0.0.7' -UserName 'backup' -KeyFilePath '/root/.ssh/id_ed25519'",
        "Invoke-Command -ComputerName fe80::1 -SSHTransport | Invoke-Command -ComputerName 'fe80::1' -SSHTransport"})
    void theFormsAdminsWroteAreUnderstoodAndWrittenByStillpoint(String remote, String written) {
        HyperVRemote parsed = HyperVRemote.parse(remote, NONE, NONE);

        assertThat(parsed.prefix()).isEqualTo(written);
        assertThat(parsed.environment()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "Invoke-Command -ComputerName hv01; Remove-Item C:\\ -Recurse",
        "Invoke-Command -ComputerName hv01 ; Start-Process calc",
        "Invoke-Command -ComputerName $(Start-Process calc)",
        "Invoke-Command -ComputerName 'hv01';calc;''",
        "Invoke-Command -ComputerName hv01 -ScriptBlock {calc}",
        "Invoke-Command -ComputerName hv01 -Credential (Get-Credential)",
        "Invoke-Command -ComputerName hv01 -Port 99999",
        "Invoke-Command -ComputerName hv01 -Authentication Evil",
        "Invoke-Command -ComputerName hv01 -ComputerName hv02",
        "Invoke-Command -ComputerName hv01 -HostName hv02",
        "Invoke-Command",
        "Start-Process calc -ComputerName hv01",
        "Invoke-Command -ComputerName hv01 | calc"})
    void anythingElseIsRefusedNamingTheSetting(String remote) {
        assertThatThrownBy(() -> HyperVRemote.parse(remote, NONE, NONE)).as(remote)
                .isInstanceOfSatisfying(InvalidHostSettingsException.class, e -> assertThat(e.field()).isEqualTo("remote"));
    }

    @Test
    void aPasswordPastedIntoRemoteIsRefusedWithoutBeingRepeated() {
        String remote = "Invoke-Command -ComputerName hv01 -Credential (New-Object PSCredential('u',"
                + " (ConvertTo-SecureString 'S3cret!' -AsPlainText -Force)))";

        assertThatThrownBy(() -> HyperVRemote.parse(remote, NONE, NONE)).isInstanceOf(InvalidHostSettingsException.class)
                .message().doesNotContain("S3cret!");
    }

    @Test
    void aCredentialReachesPowerShellInItsEnvironmentNeverInTheScriptOrTheCommandLine() throws Exception {
        HyperVRemote remote = HyperVRemote.parse("Invoke-Command -ComputerName hv01", Optional.of("HV01\\backup"),
                Optional.of("S3cret! 'x' $(calc)"));
        PowerShell powershell = new PowerShell(Path.of("/bin/sh").toRealPath(), Optional.of(remote));

        ProcessBuilder process = powershell.process("Get-VM");

        List<String> command = process.command();
        String script = new String(Base64.getDecoder().decode(command.get(command.size() - 1)), StandardCharsets.UTF_16LE);
        assertThat(String.join(" ", command)).doesNotContain("S3cret");
        assertThat(script).doesNotContain("S3cret").doesNotContain("HV01\\backup")
                .contains("Invoke-Command -ComputerName 'hv01' -Credential ([System.Management.Automation.PSCredential]"
                        + "::new($env:STILLPOINT_REMOTE_USER, (ConvertTo-SecureString $env:STILLPOINT_REMOTE_PASSWORD"
                        + " -AsPlainText -Force))) -ScriptBlock {");
        assertThat(process.environment()).containsEntry("STILLPOINT_REMOTE_USER", "HV01\\backup")
                .containsEntry("STILLPOINT_REMOTE_PASSWORD", "S3cret! 'x' $(calc)");
        assertThat(remote.describe()).doesNotContain("S3cret");
        assertThat(remote.toString()).doesNotContain("S3cret");
    }

    @Test
    void aCredentialNeedsBothHalvesAndAUserName() {
        assertThatThrownBy(() -> HyperVRemote.parse("Invoke-Command -ComputerName hv01", Optional.of("backup"), NONE))
                .isInstanceOfSatisfying(InvalidHostSettingsException.class,
                        e -> assertThat(e.field()).isEqualTo("remotePassword"));
        assertThatThrownBy(() -> HyperVRemote.parse("Invoke-Command -ComputerName hv01", Optional.of("a'; calc; '"),
                        Optional.of("pw")))
                .isInstanceOfSatisfying(InvalidHostSettingsException.class,
                        e -> assertThat(e.field()).isEqualTo("remoteUser"));
    }

    @Test
    void everyQuoteMarkPowerShellEndsAStringWithIsDoubled() {
        assertThat(PowerShell.quote("Bob's VM")).isEqualTo("'Bob''s VM'");
        assertThat(PowerShell.quote("Bob\u2019s VM")).isEqualTo("'Bob\u2019\u2019s VM'");
        assertThat(PowerShell.quote("\u2018x\u201A\u201B")).isEqualTo("'\u2018\u2018x\u201A\u201A\u201B\u201B'");
    }
}
