#!/bin/sh
# Installs hmctl from this unpacked tarball, for a host whose package manager
# cannot take the .rpm or the .deb: SLES 11, whose RPM 4.4 reads no SHA-256
# file digests and lacks rpmlib(FileDigests) (tests/packaging.rs names what
# keeps it from the .rpm). POSIX sh: SLES 11's bash 3.2, busybox.
#
#   ./install.sh                   install under / (as root)
#   DESTDIR=/some/root ./install.sh    install under another root
#
# Each file is copied beside its place and renamed in, so no file is ever
# half-written and a link in its place is replaced, never followed. An
# existing /etc/hmctl/hmctl.toml that differs from the default is kept; the
# default is put beside it as hmctl.toml.new (as rpm's %config(noreplace)).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=${DESTDIR:-}

# put MODE FILE DESTINATION
put() {
    target="$root$3"
    mkdir -p "$(dirname "$target")"
    staged="$target.hmctl-install.$$"
    rm -f "$staged"
    cp "$here/$2" "$staged"
    chmod "$1" "$staged"
    mv -f "$staged" "$target"
}

put 755 hmctl /usr/bin/hmctl
for page in "$here"/man/*.1; do
    put 644 "man/${page##*/}" "/usr/share/man/man1/${page##*/}"
done
# bash-completion 1.x (SLES 11, Ubuntu 12.04) reads /etc/bash_completion.d;
# later releases read it too.
put 644 completions/hmctl.bash /etc/bash_completion.d/hmctl
put 644 completions/_hmctl /usr/share/zsh/site-functions/_hmctl
put 644 completions/hmctl.fish /usr/share/fish/vendor_completions.d/hmctl.fish
put 644 README.md /usr/share/doc/hmctl/README.md
put 644 LICENSE /usr/share/doc/hmctl/LICENSE

config=/etc/hmctl/hmctl.toml
if [ -e "$root$config" ] && ! cmp -s "$here/hmctl.toml" "$root$config"; then
    put 644 hmctl.toml "$config.new"
    echo "kept $config (changed here); the default is $config.new"
else
    put 644 hmctl.toml "$config"
fi
if [ -z "$root" ]; then
    echo "installed $(/usr/bin/hmctl --version) as /usr/bin/hmctl"
else
    echo "installed hmctl under $root"
fi
