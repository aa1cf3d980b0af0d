#!/usr/bin/env bash
# Every option that `vigil CMD --help` lists is in the manual page and is
# offered by the bash completion: the package test runs this against the
# installed files, so that neither falls behind the binary.
# usage: pkgdocs.sh VIGIL MANPAGE.gz COMPLETION
set -uo pipefail
vigil=$1 man=$2 completion=$3
. "$completion"
bad=0
for c in run trace check 'rules list' probe mode 'fleet promote'; do
	# --pin appears in unpin's text, not as an option of its own
	opts=$($vigil $c --help 2>&1 | grep -oE -- '(^|[ ,[])--[a-z][a-z0-9-]*' | tr -d ' ,[' |
		grep -vx -e --help -e --version | sort -u)
	[[ -n $opts ]] || { echo "pkgdocs: no options in '$c --help'" >&2; bad=1; }
	for o in $opts; do
		if ! zcat "$man" | grep -qF -- "${o//-/\\-}"; then
			echo "pkgdocs: the manual page lacks $c $o" >&2
			bad=1
		fi
		read -ra COMP_WORDS <<<"$vigil $c ${o:0:4}"
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMPREPLY=()
		_vigil
		if [[ " ${COMPREPLY[*]} " != *" $o "* ]]; then
			echo "pkgdocs: the completion does not offer $c $o (offers: ${COMPREPLY[*]})" >&2
			bad=1
		fi
	done
done
exit $bad
