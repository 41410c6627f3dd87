package main

import (
	"bytes"
	"encoding/json"
	"math"
	"runtime/debug"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/util"
)

// opaValue is what `opa eval --input` and `opa run --server` make of a JSON document.
func opaValue(raw []byte) (ast.Value, error) {
	var document any
	if err := util.Unmarshal(raw, &document); err != nil {
		return nil, err
	}
	return ast.InterfaceToValue(document)
}

var documents = []string{
	`{}`, `[]`, `""`, `0`, `-0`, `true`, `false`, `null`,
	`{"a": 1, "b": [1, 2.5, -3e2, 1E+2, 0.000001, 12345678901234567890123], "c": {"d": null}}`,
	` { "x" : [ true , false , null , "y" ] } `,
	`"tab\tquote\" backslash\\ slash\/ unicode\u00e9 surrogate\ud83d\ude00 nul\u0000"`,
	`"raw multibyte é 中文 😀"`,
	`{"\u0061b": 1, "ab\n": 2}`,
	`[[[[[[[[[[{"deep": [{}]}]]]]]]]]]]`,
	`{"resources": [{"urn": "urn:pulumi:s::p::t::n", "inputs": {"count": 2, "tags": {"env": "prod"}}}]}`,
	`[1e400, -1e-400, 1.0, 100, 9007199254740993]`,
}

func TestDecodedValuesAreTheValuesOPAMakes(t *testing.T) {
	for _, document := range documents {
		want, err := opaValue([]byte(document))
		if err != nil {
			t.Fatalf("%s: OPA refused it: %v", document, err)
		}
		got, err := decodeInput([]byte(document))
		if err != nil {
			t.Fatalf("%s: %v", document, err)
		}
		if got.Compare(want) != 0 || got.String() != want.String() {
			t.Errorf("%s: decoded %s, OPA makes %s", document, got, want)
		}
	}
}

var malformed = map[string]string{
	``:                         "unexpected end",
	`{"a": 1,}`:                "expected a key",
	`[1, 2,]`:                  "unexpected character",
	`{"a" 1}`:                  "expected ':'",
	`{"a": 1 "b": 2}`:          "expected ',' or '}'",
	`[1 2]`:                    "expected ',' or ']'",
	`{"a": 1, "a": 2}`:         "a key written twice",
	`{"a": 1, "\u0061": 2}`:    "a key written twice",
	`"unterminated`:            "unterminated string",
	"\"line\nbreak\"":          "control character",
	`"bad \x escape"`:          "invalid string",
	`"bad \u12 escape"`:        "invalid string",
	`01`:                       "unexpected content after the document",
	`-`:                        "invalid number",
	`1.`:                       "invalid number",
	`1e`:                       "invalid number",
	`.5`:                       "unexpected character",
	`+1`:                       "unexpected character",
	`tru`:                      "invalid literal",
	`nul`:                      "invalid literal",
	`{} {}`:                    "unexpected content after the document",
	`[1e99999999999999999999]`: "invalid number",
	"\"\xff\"":                 "not UTF-8",
	`NaN`:                      "unexpected character",
}

func TestMalformedInputIsAnErrorNamingTheProblem(t *testing.T) {
	for document, problem := range malformed {
		if _, err := decodeInput([]byte(document)); err == nil || !strings.Contains(err.Error(), problem) {
			t.Errorf("%q: got error %v, want one saying %q", document, err, problem)
		}
	}
}

func TestNestingIsBounded(t *testing.T) {
	deep := strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth)
	if _, err := decodeInput([]byte(deep)); err != nil {
		t.Fatalf("%d levels: %v", maxDepth, err)
	}
	deeper := "[" + deep + "]"
	if _, err := decodeInput([]byte(deeper)); err == nil || !strings.Contains(err.Error(), "nested too deeply") {
		t.Fatalf("%d levels: got %v", maxDepth+1, err)
	}
}

// FuzzDecode: whatever JSON OPA reads (without a repeated key), the decoder reads into the same
// value; whatever it reads, OPA reads too. `go test` runs the seeds; `go test -fuzz FuzzDecode` explores.
func FuzzDecode(f *testing.F) {
	for _, document := range documents {
		f.Add([]byte(document))
	}
	for document := range malformed {
		f.Add([]byte(document))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, err := decodeInput(raw)
		want, opaErr := opaValue(raw)
		if err == nil {
			if opaErr != nil {
				t.Fatalf("%q: decoded, but OPA refuses it: %v", raw, opaErr)
			}
			if got.Compare(want) != 0 {
				t.Fatalf("%q: decoded %s, OPA makes %s", raw, got, want)
			}
			return
		}
		if opaErr == nil && json.Valid(raw) && utf8.Valid(raw) && !strings.Contains(err.Error(), "twice") &&
			!strings.Contains(err.Error(), "nested too deeply") {
			t.Fatalf("%q: refused (%v), but it is JSON that OPA reads", raw, err)
		}
	})
}

func TestTheGateQueryAnswersAsOpaEvalDoes(t *testing.T) {
	query := "violations := [v | some v in data.example.deny]"
	var out bytes.Buffer
	input := `{"resources": [{"type": "vm", "name": "a"}, {"type": "db", "name": "b"}]}`
	if err := evaluate(t.Context(), []string{"testdata/bundle"}, []string{"*_test.rego"}, query, strings.NewReader(input), &out); err != nil {
		t.Fatal(err)
	}
	stock, err := rego.New(rego.Query(query), rego.Load([]string{"testdata/bundle/example.rego"}, nil),
		rego.Input(map[string]any{"resources": []any{map[string]any{"type": "vm", "name": "a"}, map[string]any{"type": "db", "name": "b"}}})).Eval(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(map[string]any{"result": stock})
	if strings.TrimSpace(out.String()) != string(want) {
		t.Errorf("answer %s, want %s", out.String(), want)
	}
	if !strings.Contains(out.String(), `"deny vm a"`) || strings.Contains(out.String(), "test rule") {
		t.Errorf("answer %s: expected the policy's violation and nothing from the ignored test file", out.String())
	}
}

func TestBadInputAndBadBundlesAreErrors(t *testing.T) {
	var out bytes.Buffer
	if err := evaluate(t.Context(), []string{"testdata/bundle"}, []string{"*_test.rego"}, "x := 1", strings.NewReader(`{"a": 1, "a": 2}`), &out); err == nil || !strings.Contains(err.Error(), "input: a key written twice") {
		t.Errorf("repeated key: got %v", err)
	}
	if err := evaluate(t.Context(), []string{"testdata/missing"}, nil, "x := 1", strings.NewReader(`{}`), &out); err == nil {
		t.Error("missing bundle: no error")
	}
	if out.Len() != 0 {
		t.Errorf("an error wrote an answer: %s", out.String())
	}
}

func TestTheCollectorWaitsForItsLimitUnlessTheEnvironmentSaysOtherwise(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	collectOnlyNearLimit(100 << 20)
	if percent := debug.SetGCPercent(100); percent != -1 {
		t.Errorf("GC percent %d, want off", percent)
	}
	if limit := debug.SetMemoryLimit(-1); limit != 100<<20*16+512<<20 {
		t.Errorf("memory limit %d", limit)
	}
	collectOnlyNearLimit(0)
	if limit := debug.SetMemoryLimit(-1); limit != 1<<30 {
		t.Errorf("memory limit before the input %d, want 1 GiB", limit)
	}
	t.Setenv("GOGC", "400")
	debug.SetGCPercent(400)
	collectOnlyNearLimit(100 << 20)
	if percent := debug.SetGCPercent(100); percent != 400 {
		t.Errorf("GOGC=400 in the environment: GC percent %d", percent)
	}
}
