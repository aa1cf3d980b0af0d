#!/bin/sh
# Build vigil-benign_1.0_all.deb in $1: a package shaped like the ones a host
# installs every day. It ships a program, a conffile below /etc and a systemd
# unit; its maintainer scripts add a system user, an alternative and an
# enabled unit, reload systemd and run ldconfig, and undo it all on purge.
set -eu
out=$1
root=$out/vigil-benign
rm -rf "$root"
mkdir -p "$root/DEBIAN" "$root/usr/bin" "$root/etc/vigil-benign" "$root/usr/lib/systemd/system"

printf '#!/bin/sh\necho "hello from vigil-benign"\n' > "$root/usr/bin/vigil-benign-hello"
chmod 0755 "$root/usr/bin/vigil-benign-hello"
printf 'greeting = hello\n' > "$root/etc/vigil-benign/vigil-benign.conf"
cat > "$root/usr/lib/systemd/system/vigil-benign.service" <<'UNIT'
[Unit]
Description=vigil benign-suite test service

[Service]
ExecStart=/usr/bin/vigil-benign-hello

[Install]
WantedBy=multi-user.target
UNIT

cat > "$root/DEBIAN/control" <<'CONTROL'
Package: vigil-benign
Version: 1.0
Architecture: all
Maintainer: vigil tests <tests@example.invalid>
Section: misc
Priority: optional
Description: package installed and removed by vigil's benign suite
 Maintainer scripts add a system user, an alternative and a systemd unit.
CONTROL
echo /etc/vigil-benign/vigil-benign.conf > "$root/DEBIAN/conffiles"

cat > "$root/DEBIAN/postinst" <<'SCRIPT'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
	adduser --system --group --no-create-home --quiet vigil-benign
	update-alternatives --quiet --install /usr/bin/vigil-benign-alt vigil-benign-alt \
		/usr/bin/vigil-benign-hello 10
	deb-systemd-helper enable vigil-benign.service
	if [ -d /run/systemd/system ]; then
		systemctl daemon-reload
	fi
	ldconfig
fi
SCRIPT
cat > "$root/DEBIAN/prerm" <<'SCRIPT'
#!/bin/sh
set -e
if [ "$1" = remove ]; then
	update-alternatives --quiet --remove vigil-benign-alt /usr/bin/vigil-benign-hello
fi
SCRIPT
cat > "$root/DEBIAN/postrm" <<'SCRIPT'
#!/bin/sh
set -e
if [ "$1" = purge ]; then
	deb-systemd-helper purge vigil-benign.service
	if getent passwd vigil-benign > /dev/null; then
		deluser --system --quiet vigil-benign
	fi
	if getent group vigil-benign > /dev/null; then
		delgroup --system --quiet vigil-benign
	fi
fi
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload
fi
SCRIPT
chmod 0755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm" "$root/DEBIAN/postrm"
dpkg-deb --root-owner-group --build "$root" "$out/vigil-benign_1.0_all.deb" > /dev/null
