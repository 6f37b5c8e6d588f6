#!/bin/bash
# Builds the tests' real Linux guest from this machine's Debian packages, downloading nothing:
#   <dir>/linux-guest.qcow2           a disk that boots alone, as a real VM's does
#   <dir>/linux-guest-workload.qcow2  the same with /etc/stillpoint/workload, so the guest runs the workload
#
# The disk: an MBR (syslinux mbr.bin) and one bootable ext4 partition, the root file system, holding
# extlinux, the Debian kernel and a small initramfs in /boot, busybox-static, qemu-guest-agent with its
# libraries, and busybox's init. The initramfs only loads the modules the disk needs (virtio, ext4, the
# ACPI power button), mounts /dev/vda1 and switches into it. The init on the disk then:
#   - mounts proc, sys, dev and run, starts qemu-ga on the virtio-serial port org.qemu.guest_agent.0;
#   - prints "STILLPOINT-GUEST: ready" on ttyS0 (the kernel's console);
#   - with "stillpoint.workload" on the kernel command line or /etc/stillpoint/workload on the disk,
#     appends increasing sequence numbers to /var/lib/stillpoint/sequence, each synced before it is
#     printed as "STILLPOINT-SEQ <n>" on ttyS0, continuing from the file's last number after a boot;
#   - shuts down cleanly on the ACPI power button (file system read-only, then power off).
#
# Usage (as root: the partition is loop-mounted to install extlinux): build-linux-guest.sh <dir>
# Needs: apt-get install linux-image-amd64 busybox-static qemu-guest-agent extlinux syslinux-common fdisk
#        cpio e2fsprogs kmod qemu-utils
# Boot:  qemu-system-x86_64 -machine q35,accel=tcg -m 256 -nodefaults -display none \
#          -drive file=<dir>/linux-guest.qcow2,if=virtio,format=qcow2 -serial file:serial.log \
#          -chardev socket,id=qga0,path=qga.sock,server=on,wait=off -device virtio-serial-pci \
#          -device virtserialport,chardev=qga0,name=org.qemu.guest_agent.0
set -euo pipefail

OUT=${1:?usage: build-linux-guest.sh <dir>}
DISK_MIB=128
PART_OFFSET=$((1 << 20))

if [ "$(id -u)" != 0 ]; then
  echo "build-linux-guest.sh: run as root: the partition is loop-mounted to install extlinux" >&2
  exit 1
fi
KV=$(ls /boot | sed -n 's/^vmlinuz-//p' | sort -V | tail -1)
for need in "/boot/vmlinuz-$KV:linux-image-amd64" "/lib/modules/$KV/modules.dep:linux-image-amd64" \
    /bin/busybox:busybox-static /usr/sbin/qemu-ga:qemu-guest-agent /usr/bin/extlinux:extlinux \
    /usr/lib/EXTLINUX/mbr.bin:syslinux-common /sbin/sfdisk:fdisk /usr/bin/cpio:cpio /sbin/mkfs.ext4:e2fsprogs \
    /sbin/modprobe:kmod /usr/bin/qemu-img:qemu-utils; do
  if [ ! -e "${need%%:*}" ]; then
    echo "build-linux-guest.sh: ${need%%:*} is missing; apt-get install ${need##*:}" >&2
    exit 1
  fi
done

mkdir -p "$OUT"
W=$(mktemp -d "$OUT/.build.XXXXXX")
M=$W/mnt
cleanup() {
  mountpoint -q "$M" && umount "$M"
  rm -rf "$W"
}
trap cleanup EXIT

# Busybox under every name it answers to (never busybox itself: a link to itself loops).
install_busybox() {
  local root=$1 applet
  mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin"
  cp /bin/busybox "$root/bin/busybox"
  for applet in $(/bin/busybox --list-full); do
    [ "${applet##*/}" = busybox ] || [ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
  done
}

# --- the initramfs: modules, then mount the root and switch into it -------------------------------
I=$W/initramfs
install_busybox "$I"
mkdir -p "$I/proc" "$I/sys" "$I/dev" "$I/newroot" "$I/lib/modules"
# button and evdev give the power button an input device; crc32c comes with ext4 (a soft dependency).
for module in virtio_pci virtio_blk virtio_console ext4 button evdev; do
  modprobe -S "$KV" --show-depends "$module"
done | awk '$1 == "insmod" {print $2}' | while read -r ko; do
  case "$ko" in
    *.ko) ;;
    *) echo "build-linux-guest.sh: $ko is compressed; busybox's insmod takes plain .ko files" >&2; exit 1 ;;
  esac
  name=$(basename "$ko")
  if [ ! -e "$I/lib/modules/$name" ]; then
    cp "$ko" "$I/lib/modules/$name"
    echo "$name" >> "$I/lib/modules/order"
  fi
done
cat > "$I/init" <<'EOF'
#!/bin/sh
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# A module the CPU cannot use (crc32c-intel without SSE4.2) fails; its generic twin serves instead.
for m in $(cat /lib/modules/order); do insmod "/lib/modules/$m" 2>/dev/null; done
tries=0
until [ -b /dev/vda1 ]; do
  tries=$((tries + 1))
  [ $tries -le 100 ] || { echo "STILLPOINT-GUEST: no /dev/vda1"; exec sh; }
  sleep 0.1
done
mount -t ext4 -o rw /dev/vda1 /newroot || { echo "STILLPOINT-GUEST: cannot mount /dev/vda1"; exec sh; }
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot /sbin/init
EOF
chmod 755 "$I/init"

# --- the root file system -------------------------------------------------------------------------
R=$W/root
install_busybox "$R"
mkdir -p "$R/proc" "$R/sys" "$R/dev" "$R/run" "$R/tmp" "$R/boot" "$R/etc/init.d" "$R/etc/stillpoint" \
  "$R/var/lib/stillpoint" "$R/root"
chmod 1777 "$R/tmp"
ln -s /run "$R/var/run"
cp /usr/sbin/qemu-ga "$R/usr/sbin/qemu-ga"
for lib in $(ldd /usr/sbin/qemu-ga | grep -o '/[^ ]*'); do
  mkdir -p "$R$(dirname "$lib")"
  cp -L "$lib" "$R$lib"
done
echo stillpoint-guest > "$R/etc/hostname"
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$R/etc/passwd"
printf 'root:x:0:\n' > "$R/etc/group"
cat > "$R/etc/inittab" <<'EOF'
::sysinit:/etc/init.d/rcS
::respawn:/etc/init.d/qemu-ga
::shutdown:/etc/init.d/rcK
EOF
cat > "$R/etc/init.d/rcS" <<'EOF'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
grep -q " /dev " /proc/mounts || mount -t devtmpfs devtmpfs /dev
mount -t tmpfs -o mode=0755 tmpfs /run
hostname -F /etc/hostname
# The power button: its input device reports a press, and init shuts down cleanly.
for e in /sys/class/input/event*; do
  if grep -q "Power Button" "$e/device/name" 2>/dev/null; then
    (dd if="/dev/input/${e##*/}" of=/dev/null bs=24 count=1 2>/dev/null && poweroff) &
    break
  fi
done
echo "STILLPOINT-GUEST: ready"
if grep -qw stillpoint.workload /proc/cmdline || [ -e /etc/stillpoint/workload ]; then
  /etc/init.d/workload </dev/null >/dev/console 2>&1 &
  echo $! > /run/workload.pid
fi
EOF
cat > "$R/etc/init.d/qemu-ga" <<'EOF'
#!/bin/sh
for port in /sys/class/virtio-ports/*; do
  if [ "$(cat "$port/name" 2>/dev/null)" = org.qemu.guest_agent.0 ]; then
    exec /usr/sbin/qemu-ga -m virtio-serial -p "/dev/${port##*/}" -t /run -l /run/qemu-ga.log
  fi
done
# No agent channel: stay up, or init would respawn this at once, over and over.
exec sleep 2147483647
EOF
cat > "$R/etc/init.d/workload" <<'EOF'
#!/bin/sh
# Each number reaches the disk (sync) before it is printed, so a number on the console is on the disk.
file=/var/lib/stillpoint/sequence
n=$(tail -n 1 "$file" 2>/dev/null)
n=${n:-0}
while :; do
  n=$((n + 1))
  echo "$n" >> "$file"
  sync
  echo "STILLPOINT-SEQ $n"
  sleep 0.2
done
EOF
cat > "$R/etc/init.d/rcK" <<'EOF'
#!/bin/sh
[ -f /run/workload.pid ] && kill "$(cat /run/workload.pid)" 2>/dev/null
sync
mount -o remount,ro /
echo "STILLPOINT-GUEST: down"
EOF
chmod 755 "$R/etc/init.d/"*
cp "/boot/vmlinuz-$KV" "$R/boot/vmlinuz"
(cd "$I" && find . | cpio -o -H newc --quiet | gzip -9) > "$R/boot/initrd.gz"
cat > "$R/boot/extlinux.conf" <<'EOF'
SERIAL 0 115200
DEFAULT linux
TIMEOUT 1
LABEL linux
  KERNEL /boot/vmlinuz
  APPEND initrd=/boot/initrd.gz root=/dev/vda1 console=ttyS0
EOF

# --- the disk: MBR, one bootable partition from 1 MiB, ext4 made from the tree, extlinux -------------
D=$W/disk.raw
PART_BYTES=$(((DISK_MIB << 20) - PART_OFFSET))
truncate -s "${DISK_MIB}M" "$D"
printf 'label: dos\nstart=%d, type=83, bootable\n' $((PART_OFFSET / 512)) | sfdisk -q "$D"
dd if=/usr/lib/EXTLINUX/mbr.bin of="$D" bs=440 count=1 conv=notrunc status=none
mkfs.ext4 -q -F -L stillpoint-root -E offset=$PART_OFFSET "$D" $((PART_BYTES >> 10))k
mkdir -p "$M"
mount -o loop,offset=$PART_OFFSET,sizelimit=$PART_BYTES "$D" "$M"
# Files written by the kernel, not by mkfs.ext4 -d: extlinux cannot read the kernel mke2fs writes.
cp -a "$R/." "$M/"
if ! out=$(extlinux --install "$M/boot" 2>&1); then
  echo "$out" >&2
  exit 1
fi
umount "$M"
qemu-img convert -f raw -O qcow2 "$D" "$W/linux-guest.qcow2"
mount -o loop,offset=$PART_OFFSET,sizelimit=$PART_BYTES "$D" "$M"
touch "$M/etc/stillpoint/workload"
umount "$M"
qemu-img convert -f raw -O qcow2 "$D" "$W/linux-guest-workload.qcow2"
mv "$W/linux-guest.qcow2" "$W/linux-guest-workload.qcow2" "$OUT/"
echo "built $OUT/linux-guest.qcow2 and $OUT/linux-guest-workload.qcow2 (kernel $KV)"
