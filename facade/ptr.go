package facade

// Ptr returns a pointer to a copy of v. A few model fields are pointers because zero and absent
// mean different things (the reminder settings of ApprovalReminderAndEscalationConfig: 0 days
// is "at once", nil is "not set"); Ptr fills them in one expression:
//
//	cfg.ApprovalReminderAndEscalationConfig.MaxReminders = facade.Ptr[int32](3)
//
// (new(int32(3)) does the same from Go 1.26 on; this module supports Go 1.25.)
func Ptr[T any](v T) *T { return &v }
