package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"github.com/open-policy-agent/opa/v1/loader"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/spf13/cobra"
)

// evalCommand is `opa eval --stdin-input --bundle DIR --format json QUERY` for one input document
// that inferfleet wrote itself, with two differences that make it cheaper on large plans:
//
//   - the input is decoded straight into Rego values (decodeInput) instead of into Go maps that are
//     then converted, which halves the cost of reading a plan (most of `opa eval` on a 50,000-resource
//     plan is reading it);
//   - the bundle is compiled before the input is read, so compiling overlaps the gate's own reading
//     of the plan that it writes to our stdin.
//
// Policies, compiler, evaluator and the answer's shape (`{"result": [...]}`, as `opa eval --format
// json` prints it) are OPA's.
func evalCommand() *cobra.Command {
	var bundles, ignore []string
	command := &cobra.Command{
		Use:   "inferfleet-eval --bundle DIR [--ignore PATTERN]... QUERY",
		Short: "Evaluate QUERY over the JSON input on stdin (for inferfleet's gate)",
		Args:  cobra.ExactArgs(1),
		RunE: func(command *cobra.Command, args []string) error {
			command.SilenceUsage = true
			return evaluate(command.Context(), bundles, ignore, args[0], os.Stdin, os.Stdout)
		},
	}
	command.Flags().StringArrayVarP(&bundles, "bundle", "b", nil, "policy bundle directory (repeatable)")
	command.Flags().StringArrayVar(&ignore, "ignore", nil, "file name pattern to leave out of the bundles (repeatable)")
	_ = command.MarkFlagRequired("bundle")
	return command
}

func evaluate(ctx context.Context, bundles, ignore []string, query string, input io.Reader, output io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	collectOnlyNearLimit(0)
	options := []func(*rego.Rego){rego.Query(query)}
	for _, path := range bundles {
		bundle, err := loader.NewFileLoader().WithFilter(ignoreFilter(ignore)).AsBundle(path)
		if err != nil {
			return fmt.Errorf("loading bundle %s: %w", path, err)
		}
		options = append(options, rego.ParsedBundle(path, bundle))
	}
	prepared, err := rego.New(options...).PrepareForEval(ctx)
	if err != nil {
		return err
	}
	raw, err := io.ReadAll(input)
	if err != nil {
		return fmt.Errorf("reading the input: %w", err)
	}
	collectOnlyNearLimit(len(raw))
	value, err := decodeInput(raw)
	if err != nil {
		return fmt.Errorf("input: %w", err)
	}
	results, err := prepared.Eval(ctx, rego.EvalParsedInput(value))
	if err != nil {
		return err
	}
	if results == nil {
		results = rego.ResultSet{}
	}
	return json.NewEncoder(output).Encode(map[string]any{"result": results})
}

// collectOnlyNearLimit turns Go's collector off, with a memory limit where it collects again: 1 GiB
// until the input is read, then 16 bytes of heap per input byte plus 512 MiB if that is more. The
// compiled policies and the input's Rego values stay alive until the answer, so collections before
// that free little and cost much (a fifth of OPA's CPU at 50,000 resources, whose 88 MB input needs
// about 0.9 GB). A GOGC or GOMEMLIMIT in the environment wins.
func collectOnlyNearLimit(inputBytes int) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(max(1<<30, int64(inputBytes)*16+512<<20))
	debug.SetGCPercent(-1)
}

// ignoreFilter leaves out files whose base name matches a pattern, below the bundle's root, as
// `opa eval --ignore` and `opa run --ignore` do.
func ignoreFilter(patterns []string) loader.Filter {
	return func(abspath string, info os.FileInfo, depth int) bool {
		for _, pattern := range patterns {
			if loader.GlobExcludeName(pattern, 1)(abspath, info, depth) {
				return true
			}
		}
		return false
	}
}
