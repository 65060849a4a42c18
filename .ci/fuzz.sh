#!/usr/bin/env bash
# `make fuzz`: runs every Go fuzz target of the module, one at a time, for
# FUZZTIME each (default 30s). Targets are found with `go test -list`, so a
# new Fuzz function is included without editing this file. A finding fails
# the run; go test writes the crasher to the package's
# testdata/fuzz/<target>/ (commit it: it becomes a seed `make test` runs).
# FUZZ narrows the run to the targets whose "package name" matches a regexp;
# FUZZFLAGS passes more flags to go test (e.g. -parallel 1).
set -uo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-30s}
FUZZ=${FUZZ:-.}
FUZZFLAGS=${FUZZFLAGS:-}

# `go test -list` prints a package's matching names, then its "ok" line.
# A package that does not build is reported and fails the run at the end;
# the targets of the others still run.
list=$(go test -count=1 -list '^Fuzz' ./... 2>&1)
listed=$?
targets=()
names=()
while IFS= read -r line; do
	case "$line" in
	Fuzz*) names+=("$line") ;;
	ok*)
		pkg=$(awk '{print $2}' <<<"$line")
		for n in "${names[@]}"; do targets+=("$pkg $n"); done
		names=()
		;;
	esac
done <<<"$list"
if [ ${#targets[@]} -eq 0 ]; then
	echo "fuzz: no fuzz target found"
	exit 1
fi

selected=()
for t in "${targets[@]}"; do
	[[ $t =~ $FUZZ ]] && selected+=("$t")
done
echo "fuzz: ${#selected[@]} of ${#targets[@]} targets, $FUZZTIME each"

failed=()
summary=()
for t in "${selected[@]}"; do
	pkg=${t% *}
	name=${t#* }
	echo "== $pkg $name"
	out=$(mktemp)
	# shellcheck disable=SC2086 # FUZZFLAGS is split on purpose
	go test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" $FUZZFLAGS "$pkg" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	# The last progress line's total; its rate is the last 3 s only.
	last=$(grep -E '^fuzz: elapsed: .*execs: ' "$out" | tail -1 | sed -E 's/^fuzz: elapsed: ([^,]+), execs: ([0-9]+).*/\2 execs in \1/')
	rm -f "$out"
	if [ "$rc" -ne 0 ]; then
		failed+=("$pkg $name")
		summary+=("FAIL  $pkg $name ${last:-}")
	else
		summary+=("ok    $pkg $name ${last:-}")
	fi
done

echo
echo "fuzz summary ($FUZZTIME per target):"
printf '  %s\n' "${summary[@]}"
if [ "$listed" -ne 0 ]; then
	echo "fuzz: some packages could not be listed (their targets did not run):"
	grep -E '^(FAIL|#|[^ ]+\.go:)' <<<"$list" | sed 's/^/  /'
	exit 1
fi
if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz: ${#failed[@]} target(s) found a failing input (see above; the input is in the package's testdata/fuzz/):"
	printf '  %s\n' "${failed[@]}"
	exit 1
fi
