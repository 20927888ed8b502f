package main

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// isTerminal reports whether v is a terminal: a character device other than the null device
// (which is one too, and is what cron and CI often give as stdin).
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	if !ok || f == nil {
		return false
	}
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	null, err := os.Stat(os.DevNull)
	return err != nil || !os.SameFile(st, null)
}

// progress draws one line that is rewritten in place; it draws nothing when not on a terminal.
type progress struct {
	w     io.Writer
	label string
	drawn bool
}

func (a *app) progress(label string) *progress {
	if !a.errTerminal {
		return &progress{}
	}
	return &progress{w: a.io.err, label: clean(label)}
}

// bar draws done of total as a bar; total < 0 means unknown and draws a count.
func (p *progress) bar(done, total int) {
	if p.w == nil {
		return
	}
	p.drawn = true
	if total < 0 {
		fmt.Fprintf(p.w, "\r%s %d", p.label, done)
		return
	}
	const width = 30
	filled := width * min(done, total) / max(total, 1)
	fmt.Fprintf(p.w, "\r%s [%s%s] %d/%d", p.label, strings.Repeat("#", filled), strings.Repeat(" ", width-filled), done, total)
}

// end moves past the progress line, if one was drawn.
func (p *progress) end() {
	if p.drawn {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}
