package io.stillpoint.copy;

import java.nio.file.attribute.AclEntry;
import java.nio.file.attribute.GroupPrincipal;
import java.util.ArrayList;
import java.util.List;

/**
 * One entry of a Windows (NFSv4-style) ACL as a restore point records it, in the JDK's words, e.g.
 * {@code ALLOW BUILTIN\Administrators (group) [READ_DATA, WRITE_DATA, ...] [FILE_INHERIT]}. Names are
 * sorted, so the same ACL always reads the same.
 *
 * @param type {@code ALLOW}, {@code DENY}, {@code AUDIT} or {@code ALARM}
 * @param principal the account as Windows names it ({@code DOMAIN\name}), or its SID where it has no name
 * @param group whether the principal is a group
 * @param permissions the {@link java.nio.file.attribute.AclEntryPermission} names granted or denied
 * @param flags the {@link java.nio.file.attribute.AclEntryFlag} names (inheritance)
 */
public record AccessEntry(String type, String principal, boolean group, List<String> permissions, List<String> flags) {

    public AccessEntry {
        permissions = List.copyOf(permissions);
        flags = List.copyOf(flags);
    }

    static AccessEntry of(AclEntry entry) {
        return new AccessEntry(entry.type().name(), entry.principal().getName(),
                entry.principal() instanceof GroupPrincipal,
                entry.permissions().stream().map(Enum::name).sorted().toList(),
                entry.flags().stream().map(Enum::name).sorted().toList());
    }

    static List<AccessEntry> of(List<AclEntry> acl) {
        List<AccessEntry> entries = new ArrayList<>(acl.size());
        for (AclEntry entry : acl) {
            entries.add(of(entry));
        }
        return entries;
    }
}
