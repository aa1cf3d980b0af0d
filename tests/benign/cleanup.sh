#!/bin/sh
# Undo what the benign suite adds to the machine, whether or not its steps
# finished: the package, the user, the alternative. Quiet when there is
# nothing to undo.
if dpkg-query -W -f='${Status}' vigil-benign 2>/dev/null | grep -q installed; then
	dpkg --purge vigil-benign > /dev/null 2>&1
fi
if getent passwd vigil-benign-user > /dev/null; then
	deluser --remove-home --quiet vigil-benign-user > /dev/null 2>&1
fi
if update-alternatives --query vigil-benign-tool > /dev/null 2>&1; then
	update-alternatives --quiet --remove-all vigil-benign-tool
fi
exit 0
