package templates

import "time"

// Moment reads the value of the template's date or datetime field name,
// as Fill takes it for the template's language (its FIELD.LANG value,
// else the shared one, else the default), as a wall-clock time in loc
// (UTC when nil): a date is its midnight. ok is false when there is no
// such field, it is not a date or datetime, or its value is empty,
// relative ("+2d"), unreadable or without a year.
func (t *Template) Moment(values Values, name string, loc *time.Location) (time.Time, bool) {
	f, ok := t.Field(name)
	if !ok {
		return time.Time{}, false
	}
	v, _ := effectiveValue(f, values, t.Lang)
	m, ok := fieldMoment(f, v)
	if !ok {
		return time.Time{}, false
	}
	if loc == nil {
		loc = time.UTC
	}
	y, mo, d := m.Date()
	return time.Date(y, mo, d, m.Hour(), m.Minute(), 0, 0, loc), true
}
