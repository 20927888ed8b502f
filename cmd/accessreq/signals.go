package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// stopSignals end the running command: Ctrl-C (SIGINT), a service manager or kill (SIGTERM), a
// closed terminal or SSH session (SIGHUP).
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

// signalError is the cause of a context ended by a signal.
type signalError struct{ sig os.Signal }

func (e *signalError) Error() string { return "stopped by " + signalName(e.sig) }

// signalName is the conventional name of a stop signal ("SIGTERM").
func signalName(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	}
	return sig.String()
}

// signalExitCode is the code of a process ended by sig, as a shell reports it: 128 plus the
// signal's number (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP).
func signalExitCode(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return exitAPI
}

// stopOnSignals returns a context that the first stop signal ends, with a signalError as its
// cause, so the command stops, reports what was done and writes its --remaining file. A second
// stop signal calls exit at once with signalExitCode, for a command that cannot stop (a write
// to a pipe nobody reads). Each is said on errOut. release stops listening.
func stopOnSignals(parent context.Context, errOut io.Writer, exit func(code int)) (ctx context.Context, release func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, stopSignals...)
	done := make(chan struct{})
	nl := "" // a progress line may be drawn on a terminal: start on a line of our own
	if isTerminal(errOut) {
		nl = "\n"
	}
	go func() {
		var sig os.Signal
		select {
		case sig = <-ch:
		case <-done:
			return
		}
		fmt.Fprintf(errOut, "%saccessreq: %s: stopping and reporting what was done (send it again to exit at once)\n", nl, signalName(sig))
		cancel(&signalError{sig})
		select {
		case sig = <-ch:
		case <-done:
			return
		}
		fmt.Fprintf(errOut, "%saccessreq: %s again: exiting at once; what was done is not reported\n", nl, signalName(sig))
		exit(signalExitCode(sig))
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(nil)
	}
}

// stoppedBy is the signal that ended ctx, or nil.
func stoppedBy(ctx context.Context) os.Signal {
	var se *signalError
	if errors.As(context.Cause(ctx), &se) {
		return se.sig
	}
	return nil
}
