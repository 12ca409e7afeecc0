package sinks

// cleanTarget reports whether target, a path without escapes, is one
// net/http's ServeMux serves as it is rather than redirecting it to
// path.Clean's form: no empty, "." or ".." segment but a trailing slash.
func cleanTarget(target []byte) bool {
	for i := 0; i < len(target); i++ {
		if target[i] != '/' {
			continue
		}
		seg := target[i+1:]
		if j := indexSlash(seg); j >= 0 {
			seg = seg[:j]
			if j == 0 {
				return false // "//"
			}
		}
		if string(seg) == "." || string(seg) == ".." {
			return false
		}
	}
	return true
}

func indexSlash(b []byte) int {
	for i, c := range b {
		if c == '/' {
			return i
		}
	}
	return -1
}
