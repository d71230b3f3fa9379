package views

// Session answers register, login and refresh: the user and a token pair.
type Session struct {
	User         SelfUser `json:"user"`
	AccessToken  string   `json:"accessToken"`
	RefreshToken string   `json:"refreshToken"`
	ExpiresIn    int      `json:"expiresIn"` // seconds
}
