package testenv

import (
	"os"
	"testing"
)

// CJKFontPath is a TrueType font with Chinese, Japanese and Korean
// characters: Debian's fonts-droid-fallback, which .ci/run installs.
const CJKFontPath = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"

// CJKFont returns the path of a TrueType font with Chinese characters (see
// CJKFontPath). It fails the test when the CI variable is set and skips it
// elsewhere if the font is not installed.
func CJKFont(t testing.TB) string {
	t.Helper()
	if _, err := os.Stat(CJKFontPath); err == nil {
		return CJKFontPath
	}
	missing(t, "no CJK TrueType font at "+CJKFontPath+" (apt-get install -y fonts-droid-fallback; .ci/run does)")
	return ""
}
