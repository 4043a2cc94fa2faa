#!/usr/bin/env bash
# Builds the test guest (tests/guest/README.md): a Debian kernel and an initramfs holding
# busybox-static, the kernel modules a qemu guest needs and tests/guest/init, into
#
#   ${NEPHELE_GUEST_CACHE:-/var/cache/nephele/guest}/<recipe>/{vmlinuz,initrd.img,manifest}
#
# where <recipe> is a digest of this script and of init: changing either builds a new guest,
# next to the old ones (other checkouts may still use those). Does nothing when the guest of
# this recipe is complete (its manifest is written last). Prints the guest's directory on
# stdout, everything else on stderr.
#
#   build.sh           build if needed, print the directory
#   build.sh --check   print the directory; exit 0 if the guest is complete, 1 if not
#   build.sh --force   build again even if complete
#
# Downloads two packages with `apt-get download` (the kernel the release's linux-image-amd64
# depends on, and busybox-static; every download bounded) into <cache>/debs, kept for the next
# recipe, and unpacks them with `dpkg -x` in a temporary directory, removed on exit. Concurrent builds of one cache wait for each other
# (flock). tests/setup.sh runs it, so tests never download.
set -euo pipefail

say() { echo "guest: $*" >&2; }
die() {
    say "$*"
    exit 1
}

here=$(cd "$(dirname "$0")" && pwd)
# The modules the guest loads (with what they depend on): virtio PCI disks and NICs, virtio
# SCSI disks, IDE (pc) and SATA (q35) CD-ROMs for the context CD and its file system, e1000
# NICs, and the ACPI power button as an input device.
modules="virtio_pci virtio_blk virtio_net virtio_scsi sd_mod sr_mod isofs ata_piix ahci e1000 button evdev"

recipe=$({ cat "$here/build.sh" "$here/init"; } | sha256sum | cut -c 1-16)
root=${NEPHELE_GUEST_CACHE:-/var/cache/nephele/guest}
dir=$root/$recipe

complete() { [ -s "$dir/vmlinuz" ] && [ -s "$dir/initrd.img" ] && [ -s "$dir/manifest" ]; }

mode=${1:-build}
case $mode in
    --check)
        echo "$dir"
        complete
        exit
        ;;
    --force | build) ;;
    *) die "usage: $0 [--check|--force]" ;;
esac
if [ "$mode" = build ] && complete; then
    echo "$dir"
    exit 0
fi

for tool in apt-get apt-cache dpkg cpio gzip sha256sum flock timeout; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (Debian: apt-get install -y cpio; tests/setup.sh installs what the guest needs)"
done
mkdir -p "$root" 2>/dev/null || die "cannot create $root: run as root, or set NEPHELE_GUEST_CACHE to a writable directory"
[ -w "$root" ] || die "$root is not writable: run as root, or set NEPHELE_GUEST_CACHE to a writable directory"

exec 9>"$root/.lock"
flock -w 900 9 || die "another build of $root holds its lock for more than 15 minutes"
if [ "$mode" = build ] && complete; then
    echo "$dir"
    exit 0
fi

# builds are serialized by the lock: a temporary directory left now is a killed build's
rm -rf "$root"/.build.*
tmp=$(mktemp -d "$root/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP

# --- which packages ---------------------------------------------------------------------------
# The kernel the release's metapackage depends on (NEPHELE_GUEST_KERNEL names another).
kernel=${NEPHELE_GUEST_KERNEL:-}
if [ -z "$kernel" ]; then
    kernel=$(apt-cache show --no-all-versions linux-image-amd64 2>/dev/null |
        sed -n 's/^Depends: *//p' | tr ',' '\n' | sed -n 's/^ *\(linux-image-[^ ]*\).*/\1/p' | head -n 1)
fi
[ -n "$kernel" ] || die "no kernel package: apt-cache knows no linux-image-amd64 (run apt-get update as root)"

# --- download (bounded), retrying once after apt-get update when root ----------------------
# The packages are kept in $root/debs (only those of the last build): apt-get download skips a
# file already there with the right digest, so a new recipe does not download them again.
debs=$root/debs
mkdir -p "$debs" "$tmp/x"
# apt drops privileges to _apt for downloads: let it write there
if [ "$(id -u)" = 0 ] && id _apt >/dev/null 2>&1; then
    chown _apt "$debs"
fi
apt_opts=(-q -o Acquire::http::Timeout=30 -o Acquire::https::Timeout=30 -o Acquire::Retries=2)
# the file apt-get download writes for package $1 (its candidate version)
deb_name() {
    apt-cache show --no-all-versions "$1" 2>/dev/null | awk -v p="$1" '
        /^Version:/ { v = $2; gsub(/:/, "%3a", v) }
        /^Architecture:/ { a = $2 }
        END { if (v != "" && a != "") print p "_" v "_" a ".deb" }'
}
download() {
    (cd "$debs" && timeout 600 apt-get download "${apt_opts[@]}" "$kernel" busybox-static >&2) &&
        files="$(deb_name "$kernel") $(deb_name busybox-static)" &&
        for f in $files; do [ -s "$debs/$f" ] || return 1; done
}
say "downloading $kernel and busybox-static (unless $debs has them)"
if ! download; then
    [ "$(id -u)" = 0 ] || die "apt-get download failed (as root, build.sh runs apt-get update and tries again)"
    say "apt-get download failed: apt-get update, then once more"
    timeout 300 apt-get update -qq -o Acquire::http::Timeout=30 >&2 || die "apt-get update failed"
    download || die "apt-get download failed"
fi
for deb in "$debs"/*.deb; do
    case " $files " in
        *" ${deb##*/} "*) dpkg -x "$deb" "$tmp/x" ;;
        *) rm -f "$deb" ;;
    esac
done
busybox=$tmp/x/bin/busybox
[ -x "$busybox" ] || die "busybox-static has no bin/busybox"
vmlinuz=$(find "$tmp/x/boot" -maxdepth 1 -name 'vmlinuz-*' | head -n 1)
[ -n "$vmlinuz" ] || die "$kernel has no boot/vmlinuz-*"
kver=${vmlinuz##*/vmlinuz-}
moddir=$tmp/x/lib/modules/$kver
[ -d "$moddir" ] || die "$kernel has no lib/modules/$kver"

# --- modules in load order ----------------------------------------------------------------------
# The package has no modules.dep (depmod makes it at installation): busybox's depmod writes it.
"$busybox" depmod -b "$tmp/x" "$kver"
# Each wanted module after everything it depends on (modules.dep lists a module's whole
# closure; visiting it depth-first gives a load order whatever that list's order).
order=$(awk -v want="$modules" '
    {
        mod = $1; sub(/:$/, "", mod)
        deps[mod] = ""
        for (i = 2; i <= NF; i++) deps[mod] = deps[mod] " " $i
        base = mod; sub(/.*\//, "", base); sub(/\.ko(\.[a-z]+)?$/, "", base)
        gsub(/-/, "_", base)
        path[base] = mod
    }
    function visit(m,   n, d, i) {
        if (m in seen) return
        seen[m] = 1
        n = split(deps[m], d, " ")
        for (i = 1; i <= n; i++) visit(d[i])
        print m
    }
    END {
        n = split(want, w, " ")
        for (i = 1; i <= n; i++) {
            if (!(w[i] in path)) { print "missing module " w[i] > "/dev/stderr"; exit 1 }
            visit(path[w[i]])
        }
    }' "$moddir/modules.dep") || die "a module is missing from $kernel"

# --- the initramfs ----------------------------------------------------------------------------
rootfs=$tmp/rootfs
mkdir -p "$rootfs/bin" "$rootfs/dev" "$rootfs/proc" "$rootfs/sys" "$rootfs/tmp" "$rootfs/run" \
    "$rootfs/etc" "$rootfs/mnt/context" "$rootfs/lib/modules"
cp "$busybox" "$rootfs/bin/busybox"
ln -s busybox "$rootfs/bin/sh"
install -m 0755 "$here/init" "$rootfs/init"
: >"$rootfs/lib/modules/load.order"
for m in $order; do
    name=${m##*/}
    case $name in
        *.ko.xz) xz -dc "$moddir/$m" >"$rootfs/lib/modules/${name%.xz}" && name=${name%.xz} ;;
        *.ko.zst) zstd -qdc "$moddir/$m" >"$rootfs/lib/modules/${name%.zst}" && name=${name%.zst} ;;
        *.ko.gz) gzip -dc "$moddir/$m" >"$rootfs/lib/modules/${name%.gz}" && name=${name%.gz} ;;
        *) cp "$moddir/$m" "$rootfs/lib/modules/$name" ;;
    esac
    echo "$name" >>"$rootfs/lib/modules/load.order"
done

out=$tmp/out
mkdir -p "$out"
(cd "$rootfs" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -9n >"$out/initrd.img"
cp "$vmlinuz" "$out/vmlinuz"
{
    echo "recipe=$recipe"
    echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "kernel=$kernel $(dpkg-deb -f "$(ls "$debs"/linux-image-*.deb)" Version)"
    echo "kernel_release=$kver"
    echo "busybox=$(dpkg-deb -f "$(ls "$debs"/busybox-static_*.deb)" Version)"
    echo "modules=$(tr '\n' ' ' <"$rootfs/lib/modules/load.order" | sed 's/ $//')"
    echo "append=console=ttyS0 quiet"
} >"$out/manifest.tmp"
mv "$out/manifest.tmp" "$out/manifest"

rm -rf "$dir"
mv "$out" "$dir"
chmod 755 "$dir"
say "built $dir ($(du -h "$dir/initrd.img" | cut -f 1) initrd, kernel $kver)"
echo "$dir"
