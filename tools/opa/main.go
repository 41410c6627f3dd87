// The project's OPA: OPA's own command line, at the version go.mod names, plus one command,
// `inferfleet-eval`, that the gate evaluates a plan with (see evalcmd.go). Everything else
// (`opa eval`, `opa run`, `opa test`, `opa fmt`, `opa check`) is OPA's, unchanged.
package main

import (
	"errors"
	"os"

	"github.com/open-policy-agent/opa/cmd"
)

func main() {
	cmd.RootCommand.AddCommand(evalCommand())
	if err := cmd.RootCommand.Execute(); err != nil {
		if exit, ok := errors.AsType[*cmd.ExitError](err); ok {
			os.Exit(exit.Exit)
		}
		os.Exit(1)
	}
}
