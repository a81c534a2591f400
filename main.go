// Command ftplab teaches how FTP sets up its control and data channels.
// `go run .` opens the lesson menu; `go run . --help` lists the commands.
// The command line itself lives in ftplab/internal/cli.
package main

import (
	"os"

	"ftplab/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:])) }
