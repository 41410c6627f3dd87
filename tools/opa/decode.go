package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/open-policy-agent/opa/v1/ast"
)

// maxDepth bounds nesting: the gate's plan reader refuses far shallower documents, so deeper input
// is not ours.
const maxDepth = 1000

// decodeInput reads one JSON document into the Rego value OPA itself would make of it (util.Unmarshal
// into Go values, then ast.InterfaceToValue: the same interned strings, numbers and booleans), in one
// pass and without the intermediate Go maps. It is stricter than OPA: a key written twice, invalid
// UTF-8, or anything after the document is an error, never a silent choice.
func decodeInput(raw []byte) (ast.Value, error) {
	if !utf8.Valid(raw) {
		return nil, errors.New("not UTF-8")
	}
	d := decoder{raw: raw}
	d.space()
	value, err := d.value(0)
	if err != nil {
		return nil, err
	}
	d.space()
	if d.at < len(d.raw) {
		return nil, d.fail("unexpected content after the document")
	}
	return value, nil
}

type decoder struct {
	raw []byte
	at  int
}

func (d *decoder) fail(what string) error {
	return fmt.Errorf("%s at offset %d", what, d.at)
}

func (d *decoder) space() {
	for d.at < len(d.raw) {
		switch d.raw[d.at] {
		case ' ', '\t', '\n', '\r':
			d.at++
		default:
			return
		}
	}
}

func (d *decoder) value(depth int) (ast.Value, error) {
	if d.at >= len(d.raw) {
		return nil, d.fail("unexpected end of input")
	}
	switch c := d.raw[d.at]; {
	case c == '{':
		return d.object(depth + 1)
	case c == '[':
		return d.array(depth + 1)
	case c == '"':
		text, err := d.text()
		if err != nil {
			return nil, err
		}
		return ast.InternedTerm(text).Value, nil
	case c == 't':
		return ast.InternedTerm(true).Value, d.literal("true")
	case c == 'f':
		return ast.InternedTerm(false).Value, d.literal("false")
	case c == 'n':
		return ast.NullValue, d.literal("null")
	case c == '-' || ('0' <= c && c <= '9'):
		return d.number()
	default:
		return nil, d.fail(fmt.Sprintf("unexpected character %q", c))
	}
}

func (d *decoder) literal(word string) error {
	if len(d.raw)-d.at < len(word) || string(d.raw[d.at:d.at+len(word)]) != word {
		return d.fail("invalid literal")
	}
	d.at += len(word)
	return nil
}

func (d *decoder) object(depth int) (ast.Value, error) {
	if depth > maxDepth {
		return nil, d.fail("nested too deeply")
	}
	d.at++ // {
	d.space()
	if d.at < len(d.raw) && d.raw[d.at] == '}' {
		d.at++
		return ast.NewObject(), nil
	}
	var items [][2]*ast.Term
	var keys []string
	for {
		d.space()
		if d.at >= len(d.raw) || d.raw[d.at] != '"' {
			return nil, d.fail("expected a key")
		}
		key, err := d.text()
		if err != nil {
			return nil, err
		}
		d.space()
		if d.at >= len(d.raw) || d.raw[d.at] != ':' {
			return nil, d.fail("expected ':'")
		}
		d.at++
		d.space()
		value, err := d.value(depth)
		if err != nil {
			return nil, err
		}
		items = append(items, [2]*ast.Term{ast.InternedTerm(key), ast.NewTerm(value)})
		keys = append(keys, key)
		d.space()
		if d.at >= len(d.raw) {
			return nil, d.fail("unexpected end of input in an object")
		}
		switch d.raw[d.at] {
		case ',':
			d.at++
		case '}':
			d.at++
			if repeated(keys) {
				return nil, d.fail("a key written twice in the object ending")
			}
			// Unique keys, as ast.NewObject assumes (it keeps both entries of a repeated key).
			return ast.NewObject(items...), nil
		default:
			return nil, d.fail("expected ',' or '}'")
		}
	}
}

// repeated says whether a key occurs twice: by comparing pairs for the few keys of most objects, with
// a set for the rest.
func repeated(keys []string) bool {
	if len(keys) <= 16 {
		for i := 1; i < len(keys); i++ {
			for _, earlier := range keys[:i] {
				if keys[i] == earlier {
					return true
				}
			}
		}
		return false
	}
	seen := make(map[string]struct{}, len(keys))
	for _, key := range keys {
		if _, ok := seen[key]; ok {
			return true
		}
		seen[key] = struct{}{}
	}
	return false
}

func (d *decoder) array(depth int) (ast.Value, error) {
	if depth > maxDepth {
		return nil, d.fail("nested too deeply")
	}
	d.at++ // [
	d.space()
	if d.at < len(d.raw) && d.raw[d.at] == ']' {
		d.at++
		return ast.NewArray(), nil
	}
	var elements []*ast.Term
	for {
		d.space()
		value, err := d.value(depth)
		if err != nil {
			return nil, err
		}
		elements = append(elements, ast.NewTerm(value))
		d.space()
		if d.at >= len(d.raw) {
			return nil, d.fail("unexpected end of input in an array")
		}
		switch d.raw[d.at] {
		case ',':
			d.at++
		case ']':
			d.at++
			return ast.NewArray(elements...), nil
		default:
			return nil, d.fail("expected ',' or ']'")
		}
	}
}

// text reads a JSON string. One without escapes (nearly all of a plan) is its bytes; one with
// escapes is handed to encoding/json, which OPA reads strings with.
func (d *decoder) text() (string, error) {
	start := d.at
	d.at++ // opening quote
	escaped := false
	for d.at < len(d.raw) {
		switch c := d.raw[d.at]; {
		case c == '"':
			d.at++
			if !escaped {
				return string(d.raw[start+1 : d.at-1]), nil
			}
			var text string
			if err := json.Unmarshal(d.raw[start:d.at], &text); err != nil {
				d.at = start
				return "", d.fail("invalid string")
			}
			return text, nil
		case c == '\\':
			escaped = true
			d.at += 2
		case c < 0x20:
			return "", d.fail("control character in a string")
		default:
			d.at++
		}
	}
	return "", d.fail("unterminated string")
}

// number reads a JSON number (RFC 8259's grammar) into the value OPA makes of a json.Number.
func (d *decoder) number() (ast.Value, error) {
	start := d.at
	d.skip('-')
	switch {
	case d.skip('0'):
	case d.digits() == 0:
		return nil, d.fail("invalid number")
	}
	if d.skip('.') && d.digits() == 0 {
		return nil, d.fail("invalid number")
	}
	if d.skip('e') || d.skip('E') {
		if !d.skip('+') {
			d.skip('-')
		}
		if d.digits() == 0 {
			return nil, d.fail("invalid number")
		}
	}
	text := string(d.raw[start:d.at])
	if interned := ast.InternedIntNumberTermFromString(text); interned != nil {
		return interned.Value, nil
	}
	value, err := ast.NumberChecked(text)
	if err != nil {
		d.at = start
		return nil, d.fail(err.Error())
	}
	return value, nil
}

func (d *decoder) skip(c byte) bool {
	if d.at < len(d.raw) && d.raw[d.at] == c {
		d.at++
		return true
	}
	return false
}

func (d *decoder) digits() int {
	start := d.at
	for d.at < len(d.raw) && '0' <= d.raw[d.at] && d.raw[d.at] <= '9' {
		d.at++
	}
	return d.at - start
}
