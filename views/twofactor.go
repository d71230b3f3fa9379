package views

// TwoFactorChallenge answers the password step of a login when two-factor
// is on: no tokens yet, the challenge to send back with a code.
type TwoFactorChallenge struct {
	TwoFactorRequired bool   `json:"twoFactorRequired"`
	Challenge         string `json:"challenge"`
}

// LoginAnswer is what POST /auth/login answers: a Session, or (two-factor
// on) a TwoFactorChallenge. Exactly one is set; its fields are the body.
type LoginAnswer struct {
	*Session
	*TwoFactorChallenge
}

// TwoFactorSetup is a pending TOTP secret, shown once: the secret to type
// into an authenticator app and the otpauth:// URL the browser draws as a QR
// code.
type TwoFactorSetup struct {
	Secret     string `json:"secret"`
	OtpauthURL string `json:"otpauthUrl"`
}

// RecoveryCodes are the single-use codes made when two-factor is turned on,
// shown once: only their hashes are kept.
type RecoveryCodes struct {
	RecoveryCodes []string `json:"recoveryCodes"`
}
