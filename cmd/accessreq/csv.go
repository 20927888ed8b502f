package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// idColumns are header names taken as the access request id column, compared without case,
// spaces, dashes or underscores.
var idColumns = []string{"accessrequestid", "id", "requestid", "accountactivityid"}

// readIDsFromCSV reads access request ids from a CSV export: the column whose header names the
// id, or the only column of a file without a recognised header. Blank cells are skipped.
func readIDsFromCSV(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("the file is empty")
	}
	if err != nil {
		return nil, err
	}
	col, hasHeader := -1, false
	for i, h := range header {
		name := strings.NewReplacer(" ", "", "_", "", "-", "", "\ufeff", "").Replace(strings.ToLower(h))
		for _, want := range idColumns {
			if name == want && col < 0 {
				col, hasHeader = i, true
			}
		}
	}
	var ids []string
	if !hasHeader {
		if len(header) != 1 {
			return nil, fmt.Errorf("no column named like \"Access Request ID\" in the header %q", strings.Join(header, ","))
		}
		col = 0
		ids = append(ids, strings.TrimSpace(header[0]))
	}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if col < len(rec) {
			if id := strings.TrimSpace(rec[col]); id != "" {
				ids = append(ids, id)
			}
		}
	}
	if len(ids) == 0 {
		return nil, errors.New("no ids in the file")
	}
	return ids, nil
}
