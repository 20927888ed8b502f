// Command accessreq works with SailPoint Identity Security Cloud access requests from the
// command line. Its demo subcommand runs against an in-memory fake tenant.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "demo" {
		fmt.Println("accessreq demo: not yet; the fake tenant is still being built")
		return
	}
	fmt.Fprintln(os.Stderr, "usage: accessreq demo")
	os.Exit(2)
}
