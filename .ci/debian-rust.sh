# Shared by .ci/msrv and .ci/cortex-m (sourced, not run): a rustc from Debian's packages,
# fetched with `apt-get download` and unpacked into a directory; nothing is installed.

# Runs a command as root: directly when we are root (CI), else through `sudo -n` if allowed.
as_root() {
    if [ "$(id -u)" = 0 ]; then
        "$@"
    else
        sudo -n "$@"
    fi
}

# Whether Debian package $1 is installed.
installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

# Refreshes apt's package lists (a fresh machine may have none); quiet, never fails.
apt_refresh() {
    as_root apt-get update -qq >/dev/null 2>&1 || true
}

# unpack_packages DEST PKG=VERSION...
# Downloads the packages, and the shared-library packages (lib*, not -dev) they depend on
# that this machine lacks (LLVM and its libraries), and unpacks them all into DEST, which is
# replaced only when everything succeeded. Status 1 when a download fails.
unpack_packages() {
    local dest=$1
    shift
    local -a wanted=("$@") queue=()
    local -A seen=()
    local spec
    for spec in "$@"; do
        seen[${spec%%=*}]=1
        queue+=("${spec%%=*}")
    done
    while [ ${#queue[@]} -gt 0 ]; do
        local pkg=${queue[0]} dep
        queue=("${queue[@]:1}")
        for dep in $(apt-cache depends --no-recommends --no-suggests --no-conflicts --no-breaks \
            --no-replaces --no-enhances "$pkg" 2>/dev/null |
            awk '$1 == "Depends:" && $2 !~ /^</ { print $2 }'); do
            case $dep in
                lib*-dev | *-dev) continue ;;
                lib*) ;;
                *) continue ;;
            esac
            if [ -z "${seen[$dep]:-}" ] && ! installed "$dep"; then
                seen[$dep]=1
                wanted+=("$dep")
                queue+=("$dep")
            fi
        done
    done

    local debs=$dest.debs
    rm -rf "$debs" "$dest.tmp"
    mkdir -p "$debs" "$dest.tmp"
    if ! (cd "$debs" && apt-get download "${wanted[@]}" >/dev/null 2>&1); then
        echo "apt-get download ${wanted[*]} failed" >&2
        rm -rf "$debs" "$dest.tmp"
        return 1
    fi
    local deb
    for deb in "$debs"/*.deb; do
        dpkg-deb -x "$deb" "$dest.tmp"
    done
    rm -rf "$dest" "$debs"
    mv "$dest.tmp" "$dest"
}

# write_rustc_wrapper TOOLCHAIN WRAPPER
# Writes WRAPPER, a script that runs the unpacked TOOLCHAIN/usr/bin/rustc with the unpacked
# shared libraries found. Status 1 when TOOLCHAIN has no rustc driver library.
write_rustc_wrapper() {
    local toolchain=$1 wrapper=$2 driver libdirs="" dir
    driver=$(find "$toolchain/usr/lib" -name 'librustc_driver-*.so' 2>/dev/null | head -n 1)
    [ -n "$driver" ] || return 1
    for dir in "$(dirname "$driver")" "$toolchain"/lib/*-linux-gnu* "$toolchain"/usr/lib/*-linux-gnu*; do
        [ -d "$dir" ] && libdirs=${libdirs:+$libdirs:}$dir
    done
    cat >"$wrapper" <<WRAPPER
#!/bin/sh
# rustc from Debian's packages, unpacked by the project's .ci scripts.
LD_LIBRARY_PATH="$libdirs\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$toolchain/usr/bin/rustc" "\$@"
WRAPPER
    chmod +x "$wrapper"
}
