package search

// SetWindows makes the first step's windows of the PostgreSQL engine small
// for a test, and returns what puts them back.
func SetWindows(recent, perConv int) (restore func()) {
	r, p := recentWindow, minConvWindow
	recentWindow, minConvWindow = recent, perConv
	return func() { recentWindow, minConvWindow = r, p }
}

// ScopedQuery is the tsquery text of q in one conversation's scope.
func ScopedQuery(q Query, convType string, id uint64) string {
	return tsQuery(q, scopeOf(conv{Type: convType, ID: id}))
}
