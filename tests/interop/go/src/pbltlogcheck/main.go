// Command pbltlogcheck checks, with Go's own golang.org/x/mod/sumdb/note and sumdb/tlog (the
// code behind the Go checksum database), signed checkpoints and Merkle proofs that another
// implementation produced. It is the "other direction" of the interop tests: the C++ ledger
// writes what it signed and proved, and this independent implementation must accept all of it
// and reject every deliberately tampered item.
//
// Usage:
//
//	pbltlogcheck INPUT     check the items in INPUT
//	pbltlogcheck -selfcheck  check items that Go itself made, to show the checker is sound
//
// INPUT is line-oriented text; fields are separated by single spaces and all binary data is
// standard padded base64. Blank lines and lines starting with '#' are ignored.
//
//	vkey <note verifier key>                  exactly once, before any checkpoint
//	leaf <base64 leaf data>                   the log's records, in order (may be empty)
//	checkpoint <base64 signed note>           a signed C2SP tlog-checkpoint
//	inclusion <index> <size> <hash>...        an inclusion proof of leaf <index> in tree <size>
//	consistency <old> <new> <hash>...         a consistency proof from tree <old> to tree <new>
//	expect-fail <checkpoint|inclusion|consistency line>   a tampered item that must be rejected
//
// The checker trusts nothing it did not compute or verify itself. It hashes the leaves and
// builds its own stored hashes (tlog.StoredHashes). A checkpoint is accepted only when note.Open
// verifies it with the verifier key, its body is a well-formed checkpoint whose origin is the
// key's name, it covers no more leaves than were given, and its root equals Go's own
// tlog.TreeHash. Proofs are then checked against the roots of accepted checkpoints only:
// inclusion with tlog.CheckRecord (and the leaf hash Go computed), consistency with
// tlog.CheckTree.
//
// A malformed line (bad base64, bad number, a hash that is not 32 bytes, a reference to a
// leaf or a checkpoint that was never accepted) is a failure even under expect-fail: otherwise a
// broken writer could make tampered items "fail" for the wrong reason and the check would prove
// nothing.
//
// On success it prints one summary line and exits 0. Otherwise it prints the first failures
// and the summary and exits 1. Usage and I/O errors exit 2.
package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// maxLineBytes bounds one input line. A signed note may be up to 1 MiB, which is about 1.4 MB
// once base64-encoded.
const maxLineBytes = 4 << 20

// maxReportedFailures bounds how many failures are printed, so that a systematic bug does not
// bury the summary under a hundred thousand identical lines.
const maxReportedFailures = 20

var b64 = base64.StdEncoding.Strict()

// decimalPattern accepts the C2SP form of a tree size: decimal with no sign and no leading zero.
var decimalPattern = regexp.MustCompile(`^(0|[1-9][0-9]*)$`)

// malformedError marks a defect of the input file itself, as opposed to an item that fails
// verification.
type malformedError struct{ msg string }

func (e *malformedError) Error() string { return "malformed: " + e.msg }

func malformed(format string, args ...interface{}) error {
	return &malformedError{fmt.Sprintf(format, args...)}
}

// counts is what a run verified or rejected.
type counts struct {
	leaves, checkpoints, inclusion, consistency, rejected int
}

func (c counts) summary() string {
	return fmt.Sprintf("go-tlogcheck: %d leaves, %d checkpoints, %d inclusion, %d consistency "+
		"verified; %d tampered items rejected", c.leaves, c.checkpoints, c.inclusion,
		c.consistency, c.rejected)
}

type checker struct {
	verifier note.Verifier
	leaves   []tlog.Hash         // record hashes, by index
	stored   []tlog.Hash         // Go's own stored hashes, by stored-hash index
	roots    map[int64]tlog.Hash // roots of accepted checkpoints, by tree size

	counts   counts
	failures int
	out      io.Writer
}

func newChecker(out io.Writer) *checker {
	return &checker{roots: make(map[int64]tlog.Hash), out: out}
}

// ReadHashes makes the checker a tlog.HashReader over the hashes it stored itself.
func (c *checker) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	hashes := make([]tlog.Hash, len(indexes))
	for i, index := range indexes {
		if index < 0 || index >= int64(len(c.stored)) {
			return nil, fmt.Errorf("stored hash %d not available (have %d)", index, len(c.stored))
		}
		hashes[i] = c.stored[index]
	}
	return hashes, nil
}

func (c *checker) fail(lineNo int, format string, args ...interface{}) {
	c.failures++
	if c.failures <= maxReportedFailures {
		fmt.Fprintf(c.out, "FAIL line %d: %s\n", lineNo, fmt.Sprintf(format, args...))
	}
}

// run checks every line of r and reports whether everything passed.
func (c *checker) run(r io.Reader) (bool, error) {
	scanner := bufio.NewScanner(r)
	scanner.Buffer(make([]byte, 64<<10), maxLineBytes)
	lineNo := 0
	for scanner.Scan() {
		lineNo++
		line := scanner.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		c.line(lineNo, line)
	}
	if err := scanner.Err(); err != nil {
		return false, fmt.Errorf("reading line %d: %v", lineNo+1, err)
	}
	if c.counts.checkpoints == 0 {
		// An empty or truncated input must not pass as "nothing failed".
		c.fail(lineNo, "no checkpoint was verified")
	}
	if c.failures > maxReportedFailures {
		fmt.Fprintf(c.out, "... and %d more failures\n", c.failures-maxReportedFailures)
	}
	return c.failures == 0, nil
}

func (c *checker) line(lineNo int, line string) {
	fields := strings.Split(line, " ")
	expectFail := fields[0] == "expect-fail"
	if expectFail {
		fields = fields[1:]
		if len(fields) == 0 {
			c.fail(lineNo, "%v", malformed("expect-fail without an item"))
			return
		}
	}
	kind, args := fields[0], fields[1:]

	var err error
	switch kind {
	case "vkey", "leaf":
		if expectFail {
			err = malformed("%s cannot be an expect-fail item", kind)
		} else if kind == "vkey" {
			err = c.vkey(args)
		} else {
			err = c.leaf(args)
		}
		if err != nil {
			c.fail(lineNo, "%s: %v", kind, err)
		}
		return
	case "checkpoint":
		err = c.checkpoint(args, !expectFail)
	case "inclusion":
		err = c.inclusion(args)
	case "consistency":
		err = c.consistency(args)
	default:
		c.fail(lineNo, "%v", malformed("unknown item %q", kind))
		return
	}

	var bad *malformedError
	switch {
	case errors.As(err, &bad):
		c.fail(lineNo, "%s: %v", kind, err)
	case expectFail && err == nil:
		c.fail(lineNo, "tampered %s item was accepted", kind)
	case expectFail:
		c.counts.rejected++
	case err != nil:
		c.fail(lineNo, "%s: %v", kind, err)
	default:
		switch kind {
		case "checkpoint":
			c.counts.checkpoints++
		case "inclusion":
			c.counts.inclusion++
		case "consistency":
			c.counts.consistency++
		}
	}
}

func (c *checker) vkey(args []string) error {
	if len(args) != 1 {
		return malformed("want 1 field, have %d", len(args))
	}
	if c.verifier != nil {
		return malformed("a second verifier key")
	}
	v, err := note.NewVerifier(args[0])
	if err != nil {
		return malformed("%v", err)
	}
	c.verifier = v
	return nil
}

func (c *checker) leaf(args []string) error {
	if len(args) > 1 {
		return malformed("want at most 1 field, have %d", len(args))
	}
	var data []byte
	if len(args) == 1 {
		var err error
		if data, err = b64.DecodeString(args[0]); err != nil {
			return malformed("leaf data: %v", err)
		}
	}
	n := int64(len(c.leaves))
	hashes, err := tlog.StoredHashes(n, data, c)
	if err != nil {
		return fmt.Errorf("tlog.StoredHashes(%d): %v", n, err)
	}
	if int64(len(c.stored)) != tlog.StoredHashIndex(0, n) {
		return fmt.Errorf("stored hash bookkeeping is off at leaf %d", n)
	}
	c.leaves = append(c.leaves, tlog.RecordHash(data))
	c.stored = append(c.stored, hashes...)
	c.counts.leaves++
	return nil
}

// checkpoint verifies a signed checkpoint and, when accept is set and it verified, remembers
// its root for the proofs that follow.
func (c *checker) checkpoint(args []string, accept bool) error {
	if len(args) != 1 {
		return malformed("want 1 field, have %d", len(args))
	}
	if c.verifier == nil {
		return malformed("checkpoint before vkey")
	}
	msg, err := b64.DecodeString(args[0])
	if err != nil {
		return malformed("note: %v", err)
	}
	n, err := note.Open(msg, note.VerifierList(c.verifier))
	if err != nil {
		return fmt.Errorf("note.Open: %v", err)
	}
	size, root, err := parseCheckpointBody(n.Text, c.verifier.Name())
	if err != nil {
		return err
	}
	if size > int64(len(c.leaves)) {
		return fmt.Errorf("checkpoint of size %d, but only %d leaves were given", size, len(c.leaves))
	}
	want, err := tlog.TreeHash(size, c)
	if err != nil {
		return fmt.Errorf("tlog.TreeHash(%d): %v", size, err)
	}
	if root != want {
		return fmt.Errorf("checkpoint of size %d has root %v, Go computes %v", size, root, want)
	}
	if accept {
		c.roots[size] = root
	}
	return nil
}

// parseCheckpointBody parses a c2sp.org/tlog-checkpoint body: origin, size and root hash, each
// on its own line, then optional non-empty extension lines.
func parseCheckpointBody(text, origin string) (int64, tlog.Hash, error) {
	if !strings.HasSuffix(text, "\n") {
		return 0, tlog.Hash{}, errors.New("checkpoint body does not end in a newline")
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 {
		return 0, tlog.Hash{}, fmt.Errorf("checkpoint body has %d lines, want at least 3", len(lines))
	}
	if lines[0] != origin {
		return 0, tlog.Hash{}, fmt.Errorf("checkpoint origin %q is not the key name %q", lines[0], origin)
	}
	if !decimalPattern.MatchString(lines[1]) {
		return 0, tlog.Hash{}, fmt.Errorf("checkpoint size %q is not a canonical decimal", lines[1])
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		return 0, tlog.Hash{}, fmt.Errorf("checkpoint size: %v", err)
	}
	root, err := parseHash(lines[2])
	if err != nil {
		return 0, tlog.Hash{}, fmt.Errorf("checkpoint root: %v", err)
	}
	for _, ext := range lines[3:] {
		if ext == "" {
			return 0, tlog.Hash{}, errors.New("checkpoint has an empty extension line")
		}
	}
	return size, root, nil
}

func (c *checker) inclusion(args []string) error {
	if len(args) < 2 {
		return malformed("want index and size, have %d fields", len(args))
	}
	index, err := parseInt(args[0])
	if err != nil {
		return malformed("index: %v", err)
	}
	size, err := parseInt(args[1])
	if err != nil {
		return malformed("size: %v", err)
	}
	proof, err := parseHashes(args[2:])
	if err != nil {
		return malformed("proof: %v", err)
	}
	if index >= int64(len(c.leaves)) {
		return malformed("no leaf %d (have %d)", index, len(c.leaves))
	}
	root, ok := c.roots[size]
	if !ok {
		return malformed("no verified checkpoint of size %d", size)
	}
	return tlog.CheckRecord(tlog.RecordProof(proof), size, root, index, c.leaves[index])
}

func (c *checker) consistency(args []string) error {
	if len(args) < 2 {
		return malformed("want old and new size, have %d fields", len(args))
	}
	oldSize, err := parseInt(args[0])
	if err != nil {
		return malformed("old size: %v", err)
	}
	newSize, err := parseInt(args[1])
	if err != nil {
		return malformed("new size: %v", err)
	}
	proof, err := parseHashes(args[2:])
	if err != nil {
		return malformed("proof: %v", err)
	}
	oldRoot, ok := c.roots[oldSize]
	if !ok {
		return malformed("no verified checkpoint of size %d", oldSize)
	}
	newRoot, ok := c.roots[newSize]
	if !ok {
		return malformed("no verified checkpoint of size %d", newSize)
	}
	return tlog.CheckTree(tlog.TreeProof(proof), newSize, newRoot, oldSize, oldRoot)
}

func parseInt(s string) (int64, error) {
	if !decimalPattern.MatchString(s) {
		return 0, fmt.Errorf("%q is not a canonical decimal", s)
	}
	return strconv.ParseInt(s, 10, 64)
}

func parseHash(s string) (tlog.Hash, error) {
	data, err := b64.DecodeString(s)
	if err != nil {
		return tlog.Hash{}, err
	}
	if len(data) != tlog.HashSize {
		return tlog.Hash{}, fmt.Errorf("hash of %d bytes", len(data))
	}
	var h tlog.Hash
	copy(h[:], data)
	return h, nil
}

func parseHashes(fields []string) ([]tlog.Hash, error) {
	hashes := make([]tlog.Hash, len(fields))
	for i, f := range fields {
		h, err := parseHash(f)
		if err != nil {
			return nil, fmt.Errorf("hash %d: %v", i, err)
		}
		hashes[i] = h
	}
	return hashes, nil
}

func formatHashes(hashes []tlog.Hash) string {
	var b strings.Builder
	for _, h := range hashes {
		b.WriteByte(' ')
		b.WriteString(b64.EncodeToString(h[:]))
	}
	return b.String()
}

// selfcheck has Go make a log, checkpoints and proofs in the input format, with the same kinds
// of tampered items the C++ test writes, and runs the checker over them. It shows that the
// checker accepts what the reference implementation produces and is not vacuous, so a failure
// of the C++ interop test points at the C++ side.
func selfcheck(out io.Writer) (bool, error) {
	const name = "pbl.example/go-selfcheck"
	const maxSize = 70
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		return false, err
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		return false, err
	}
	// A second key under the same name: its signatures must not count for the first.
	otherSkey, _, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		return false, err
	}
	otherSigner, err := note.NewSigner(otherSkey)
	if err != nil {
		return false, err
	}
	sign := func(s note.Signer, text string) (string, error) {
		msg, err := note.Sign(&note.Note{Text: text}, s)
		return b64.EncodeToString(msg), err
	}
	body := func(origin string, size int64, root tlog.Hash) string {
		return fmt.Sprintf("%s\n%d\n%s\n", origin, size, b64.EncodeToString(root[:]))
	}

	var in bytes.Buffer
	var want counts
	fmt.Fprintf(&in, "vkey %s\n", vkey)
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		hashes := make([]tlog.Hash, len(indexes))
		for i, index := range indexes {
			hashes[i] = stored[index]
		}
		return hashes, nil
	})
	roots := []tlog.Hash{{}}
	for size := int64(1); size <= maxSize; size++ {
		data := []byte(fmt.Sprintf(`{"seq":%d,"worker":"W%06d","amount_cents":%d}`, size-1,
			size*7, 1000+size*37))
		hashes, err := tlog.StoredHashes(size-1, data, reader)
		if err != nil {
			return false, err
		}
		stored = append(stored, hashes...)
		fmt.Fprintf(&in, "leaf %s\n", b64.EncodeToString(data))
		want.leaves++
		root, err := tlog.TreeHash(size, reader)
		if err != nil {
			return false, err
		}
		roots = append(roots, root)
		cp, err := sign(signer, body(name, size, root))
		if err != nil {
			return false, err
		}
		fmt.Fprintf(&in, "checkpoint %s\n", cp)
		want.checkpoints++
		for index := int64(0); index < size; index++ {
			p, err := tlog.ProveRecord(size, index, reader)
			if err != nil {
				return false, err
			}
			fmt.Fprintf(&in, "inclusion %d %d%s\n", index, size, formatHashes(p))
			want.inclusion++
		}
		for old := int64(1); old <= size; old++ {
			p, err := tlog.ProveTree(size, old, reader)
			if err != nil {
				return false, err
			}
			fmt.Fprintf(&in, "consistency %d %d%s\n", old, size, formatHashes(p))
			want.consistency++
		}
	}

	// Tampered items, each differing from a valid one in a single way.
	tampered := func(line string) {
		fmt.Fprintf(&in, "expect-fail %s\n", line)
		want.rejected++
	}
	const size = int64(maxSize - 3)
	p, err := tlog.ProveRecord(size, 5, reader)
	if err != nil {
		return false, err
	}
	flipped := append([]tlog.Hash(nil), p...)
	flipped[1][7] ^= 0x10
	tampered(fmt.Sprintf("inclusion 5 %d%s", size, formatHashes(flipped)))
	tampered(fmt.Sprintf("inclusion 6 %d%s", size, formatHashes(p)))
	tampered(fmt.Sprintf("inclusion 5 %d%s", size+1, formatHashes(p)))
	tampered(fmt.Sprintf("inclusion 5 %d%s", size, formatHashes(p[:len(p)-1])))
	tampered(fmt.Sprintf("inclusion 5 %d%s", size, formatHashes(append(p, p[0]))))
	tampered(fmt.Sprintf("inclusion %d %d%s", size, size, formatHashes(p)))
	tp, err := tlog.ProveTree(size, 13, reader)
	if err != nil {
		return false, err
	}
	flipped = append([]tlog.Hash(nil), tp...)
	flipped[0][31] ^= 0x01
	tampered(fmt.Sprintf("consistency 13 %d%s", size, formatHashes(flipped)))
	tampered(fmt.Sprintf("consistency 14 %d%s", size, formatHashes(tp)))
	tampered(fmt.Sprintf("consistency 13 %d%s", size+1, formatHashes(tp)))
	tampered(fmt.Sprintf("consistency %d 13%s", size, formatHashes(tp)))
	tampered(fmt.Sprintf("consistency 13 %d%s", size, formatHashes(tp[:len(tp)-1])))
	tampered("consistency 13 13" + formatHashes(tp[:1]))

	msg, err := note.Sign(&note.Note{Text: body(name, size, roots[size])}, signer)
	if err != nil {
		return false, err
	}
	sigAt := bytes.LastIndexByte(msg[:len(msg)-1], ' ') + 1
	sig, err := b64.DecodeString(string(msg[sigAt : len(msg)-1]))
	if err != nil {
		return false, err
	}
	sig[len(sig)-5] ^= 0x04
	badSig := append(append(append([]byte(nil), msg[:sigAt]...), b64.EncodeToString(sig)...), '\n')
	tampered("checkpoint " + b64.EncodeToString(badSig))
	wrongRoot := roots[size]
	wrongRoot[0] ^= 0x80
	edited := bytes.Replace(msg, []byte(b64.EncodeToString(roots[size][:])),
		[]byte(b64.EncodeToString(wrongRoot[:])), 1)
	tampered("checkpoint " + b64.EncodeToString(edited))
	for _, text := range []struct {
		s    note.Signer
		body string
	}{
		{signer, body(name, size, wrongRoot)},                      // validly signed, wrong root
		{signer, body(name, size, roots[size-1])},                  // the root of another size
		{signer, body(name, maxSize+1, roots[size])},               // more leaves than given
		{signer, body("pbl.example/other-log", size, roots[size])}, // origin is not the key name
		{signer, fmt.Sprintf("%s\n0%d\n%s\n", name, size, b64.EncodeToString(roots[size][:]))},
		{otherSigner, body(name, size, roots[size])}, // same name, another key
	} {
		cp, err := sign(text.s, text.body)
		if err != nil {
			return false, err
		}
		tampered("checkpoint " + cp)
	}

	c := newChecker(out)
	ok, err := c.run(&in)
	if err != nil {
		return false, err
	}
	fmt.Fprintln(out, c.counts.summary())
	if c.counts != want {
		fmt.Fprintf(out, "FAIL selfcheck: want %s\n", want.summary())
		ok = false
	}
	return ok, nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: pbltlogcheck INPUT | pbltlogcheck -selfcheck")
		os.Exit(2)
	}
	var ok bool
	var err error
	if os.Args[1] == "-selfcheck" {
		ok, err = selfcheck(os.Stdout)
	} else {
		var f *os.File
		if f, err = os.Open(os.Args[1]); err == nil {
			c := newChecker(os.Stdout)
			ok, err = c.run(f)
			f.Close()
			if err == nil {
				fmt.Println(c.counts.summary())
			}
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "pbltlogcheck: %v\n", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}
