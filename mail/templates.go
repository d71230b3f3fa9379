package mail

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"strings"
	texttemplate "text/template"
	"time"

	"golang.org/x/text/language"
)

// Languages of the templates. English is the fallback.
const (
	English = "en"
	French  = "fr"
)

// Kinds of mail, one template pair (text, HTML) per language each.
const (
	kindPasswordReset = "password_reset"
	kindTwoFactor     = "two_factor"
)

//go:embed templates
var templateFS embed.FS

type templatePair struct {
	text *texttemplate.Template // defines "subject" and "text"
	html *htmltemplate.Template // the layout around "content"
}

// templates[lang][kind], parsed once at start: they are embedded, so a broken
// one fails every test and the first boot, never a user's request.
var templates = func() map[string]map[string]templatePair {
	out := map[string]map[string]templatePair{}
	for _, lang := range []string{English, French} {
		out[lang] = map[string]templatePair{}
		for _, kind := range []string{kindPasswordReset, kindTwoFactor} {
			base := "templates/" + lang + "/" + kind
			// Plain text goes through text/template: html/template would
			// escape the link's & and = into entities a reader then sees.
			out[lang][kind] = templatePair{
				text: texttemplate.Must(texttemplate.ParseFS(templateFS, base+".txt")),
				html: htmltemplate.Must(htmltemplate.ParseFS(templateFS, "templates/layout.html", base+".html")),
			}
		}
	}
	return out
}()

var matcher = language.NewMatcher([]language.Tag{language.English, language.French})

// MatchLanguage picks the template language for an Accept-Language header
// (or a bare "fr"/"en"): French when preferred, English otherwise.
func MatchLanguage(acceptLanguage string) string {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return English
	}
	_, i, _ := matcher.Match(tags...)
	if i == 1 {
		return French
	}
	return English
}

// ResetLink is the app's reset page for a token. The token travels in the
// fragment, which browsers never send to a server: it stays out of access
// logs (nginx, proxies) and out of Referer headers.
func ResetLink(appURL, token string) string {
	return strings.TrimRight(appURL, "/") + "/reset-password#token=" + url.QueryEscape(token)
}

// PasswordReset is what the reset mail says.
type PasswordReset struct {
	Name     string        // display name (or username) greeted
	Link     string        // ResetLink(...)
	ValidFor time.Duration // the token's lifetime
}

// PasswordResetMessage renders the reset mail to `to` in lang (en, fr; any
// other is English).
func PasswordResetMessage(lang, to string, d PasswordReset) (Message, error) {
	data := struct {
		page
		Name, Link, ValidFor string
	}{Name: d.Name, Link: d.Link, ValidFor: humanDuration(lang, d.ValidFor)}
	return render(lang, kindPasswordReset, to, &data, &data.page)
}

// TwoFactorChanged is what the notice of turning two-factor on or off says.
type TwoFactorChanged struct {
	Name    string
	Enabled bool
	At      time.Time // when it changed (written in UTC)
}

// TwoFactorChangedMessage renders the two-factor notice to `to` in lang.
func TwoFactorChangedMessage(lang, to string, d TwoFactorChanged) (Message, error) {
	data := struct {
		page
		Name, At string
		Enabled  bool
	}{Name: d.Name, Enabled: d.Enabled, At: humanTime(lang, d.At)}
	return render(lang, kindTwoFactor, to, &data, &data.page)
}

// page is what the HTML layout shows around every mail's content.
type page struct {
	Lang, Subject string
}

// render executes the pair for data, whose page it fills first (the subject
// is rendered before the bodies, which show it).
func render(lang, kind, to string, data any, p *page) (Message, error) {
	if lang != French {
		lang = English
	}
	pair := templates[lang][kind]
	p.Lang = lang
	var subject, text, html bytes.Buffer
	if err := pair.text.ExecuteTemplate(&subject, "subject", data); err != nil {
		return Message{}, fmt.Errorf("mail: %s/%s subject: %w", lang, kind, err)
	}
	p.Subject = strings.TrimSpace(subject.String())
	if err := pair.text.ExecuteTemplate(&text, "text", data); err != nil {
		return Message{}, fmt.Errorf("mail: %s/%s text: %w", lang, kind, err)
	}
	if err := pair.html.ExecuteTemplate(&html, "layout", data); err != nil {
		return Message{}, fmt.Errorf("mail: %s/%s html: %w", lang, kind, err)
	}
	return Message{To: to, Subject: p.Subject, Text: text.String(), HTML: html.String(), Language: lang}, nil
}

// humanDuration writes a lifetime as a reader says it: "1 hour", "30 minutes".
func humanDuration(lang string, d time.Duration) string {
	n, unit := int(d/time.Minute), "minute"
	if d >= time.Hour && d%time.Hour == 0 {
		n, unit = int(d/time.Hour), "hour"
	}
	words := map[string][2]string{"hour": {"hour", "hours"}, "minute": {"minute", "minutes"}}
	if lang == French {
		words = map[string][2]string{"hour": {"heure", "heures"}, "minute": {"minute", "minutes"}}
	}
	w := words[unit][0]
	if n > 1 {
		w = words[unit][1]
	}
	return fmt.Sprintf("%d %s", n, w)
}

func humanTime(lang string, t time.Time) string {
	t = t.UTC()
	if lang == French {
		return t.Format("02/01/2006 à 15:04") + " UTC"
	}
	return t.Format("2 Jan 2006 at 15:04") + " UTC"
}
