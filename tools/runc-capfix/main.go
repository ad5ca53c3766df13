// Command runc-capfix is an OCI runtime shim for hosts whose capability
// bounding set lacks CAP_SYS_RESOURCE (some VM sandboxes). Docker asks runc to
// grant every capability to privileged containers (kind nodes); runc then fails
// with "unable to apply caps". The shim removes that one capability from the
// container spec (and from `runc exec --process` files) and hands over to runc.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

const missingCap = "CAP_SYS_RESOURCE"

var capSets = []string{"bounding", "effective", "inheritable", "permitted", "ambient"}

func main() {
	runc := os.Getenv("RUNC_CAPFIX_RUNTIME")
	if runc == "" {
		runc = "/usr/sbin/runc"
	}
	args := os.Args[1:]
	for _, path := range specFiles(args) {
		if err := stripCapability(path); err != nil {
			fmt.Fprintf(os.Stderr, "runc-capfix: %s: %v\n", path, err)
			os.Exit(1)
		}
	}
	argv := append([]string{runc}, args...)
	if err := syscall.Exec(runc, argv, os.Environ()); err != nil {
		fmt.Fprintf(os.Stderr, "runc-capfix: exec %s: %v\n", runc, err)
		os.Exit(1)
	}
}

// specFiles finds the JSON documents runc is about to read: the bundle's
// config.json for create/run, the --process file for exec.
func specFiles(args []string) []string {
	var files []string
	command, bundle := "", ""
	for i := 0; i < len(args); i++ {
		arg := args[i]
		value := func() string {
			if i+1 < len(args) {
				i++
				return args[i]
			}
			return ""
		}
		switch arg {
		case "--bundle", "-b":
			bundle = value()
		case "--process", "-p":
			files = append(files, value())
		case "--root", "--log", "--log-format", "--criu", "--pid-file", "--console-socket":
			value()
		default:
			if command == "" && len(arg) > 0 && arg[0] != '-' {
				command = arg
			}
		}
	}
	if command == "create" || command == "run" {
		if bundle == "" {
			bundle = "."
		}
		files = append(files, filepath.Join(bundle, "config.json"))
	}
	return files
}

func stripCapability(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return err
	}
	process := doc
	if p, ok := doc["process"].(map[string]any); ok {
		process = p
	}
	caps, ok := process["capabilities"].(map[string]any)
	if !ok {
		return nil
	}
	changed := false
	for _, set := range capSets {
		list, ok := caps[set].([]any)
		if !ok {
			continue
		}
		kept := list[:0]
		for _, c := range list {
			if c == missingCap {
				changed = true
				continue
			}
			kept = append(kept, c)
		}
		caps[set] = kept
	}
	if !changed {
		return nil
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return os.WriteFile(path, out, 0o600)
}
