package tokens

// NewOneTimeToken returns a fresh one-time token (256 random bits, base64url:
// safe in a URL fragment or a JSON body) and its SHA-256, which is all the
// database keeps. It serves password-reset links and two-factor login
// challenges; HashOneTimeToken finds the row again from what a client sends.
func NewOneTimeToken() (token, hash string) {
	token = NewRefreshToken()
	return token, HashOneTimeToken(token)
}

// HashOneTimeToken is the stored form of a one-time token. A plain SHA-256 is
// enough (unlike a password's slow hash): the token has 256 random bits, so a
// leaked table cannot be reversed by guessing.
func HashOneTimeToken(token string) string { return HashRefreshToken(token) }
