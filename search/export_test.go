package search

// SetWindows makes the first step's windows of the PostgreSQL engine small
// for a test, and returns what puts them back.
func SetWindows(recent, perConv int) (restore func()) {
	r, p := recentWindow, minConvWindow
	recentWindow, minConvWindow = recent, perConv
	return func() { recentWindow, minConvWindow = r, p }
}
