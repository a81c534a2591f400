package cli

import (
	"time"

	"github.com/spf13/cobra"

	"ftplab/internal/kernel"
	"ftplab/internal/probe"
)

func probeCmd() *cobra.Command {
	var user string
	var asJSON, useTLS bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "probe HOST:PORT",
		Short: "Ask a real FTP server how PASV, EPSV, PORT and EPRT fare from here",
		Long: "probe connects to the one server you name, tries a LIST in each data\n" +
			"connection mode and explains each result in one sentence.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o := probe.Options{Timeout: timeout, TLS: useTLS}
			if user != "" {
				var err error
				if o.User, o.Password, err = probe.ParseUser(user); err != nil {
					return usageError{err}
				}
			}
			rep, err := probe.Run(cmd.Context(), args[0], o)
			if err != nil {
				return usageError{err}
			}
			if asJSON {
				return probe.WriteJSON(cmd.OutOrStdout(), rep)
			}
			return probe.WriteText(cmd.OutOrStdout(), rep)
		},
	}
	f := cmd.Flags()
	f.StringVar(&user, "user", "", "log in as NAME:PASSWORD (default anonymous)")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	f.BoolVar(&useTLS, "tls", false, "use explicit TLS (AUTH TLS) on the control and data connections; the certificate is not checked")
	f.DurationVar(&timeout, "timeout", 5*time.Second, "bound for each step (connect, reply, data dial)")
	return cmd
}

func verifyKernelCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "verify-kernel",
		Short: "Compare netem's verdicts with Linux (namespaces, nftables, the kernel FTP helper, curl, vsftpd)",
		Long: "verify-kernel builds its own network namespaces (needs root), runs curl against\n" +
			"vsftpd through nftables rulesets equal to ftplab's presets and prints, for each\n" +
			"scenario, the kernel's outcome next to ftplab's. It never touches the host's network.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return kernel.Verify(cmd.Context(), cmd.OutOrStdout())
		},
	}
}
