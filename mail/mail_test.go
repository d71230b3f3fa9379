package mail_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http"
	netmail "net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"workcomm/apperr"
	"workcomm/mail"
	"workcomm/testenv"
)

const from = "WorkComm <no-reply@workcomm.test>"

// deliveryWait bounds a message handed to Mailpit showing in its API.
const deliveryWait = 10 * time.Second

func newToken(t *testing.T) string {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

var linkRE = regexp.MustCompile(`https://chat\.example\.com/reset-password#token=[A-Za-z0-9_-]+`)

func TestPasswordResetMailArrivesThroughRealSMTP(t *testing.T) {
	mp := testenv.StartMailpit(t)
	var logs bytes.Buffer
	m, err := mail.New(mail.Options{SMTPURL: mp.SMTPURL("smtp", ""), From: from, Timeout: 5 * time.Second,
		Log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	if !mail.Available(m) {
		t.Fatal("an SMTP mailer reports itself unavailable")
	}
	cases := []struct {
		lang, subject, validFor, ignore string
	}{
		{mail.English, "Reset your WorkComm password", "valid for 1 hour", "If it wasn't you, ignore this email"},
		{mail.French, "Réinitialisez votre mot de passe WorkComm", "valable 1 heure", "Si ce n'était pas vous, ignorez cet e-mail"},
	}
	for _, tc := range cases {
		t.Run("a reset mail in "+tc.lang+" arrives with its link intact", func(t *testing.T) {
			to := "alice-" + tc.lang + "@example.com"
			token := newToken(t)
			link := mail.ResetLink("https://chat.example.com/", token)
			msg, err := mail.PasswordResetMessage(tc.lang, to, mail.PasswordReset{Name: "Alice Élodie", Link: link, ValidFor: time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Send(context.Background(), msg); err != nil {
				t.Fatal(err)
			}
			got := mp.WaitMessage(t, `to:"`+to+`"`, deliveryWait)
			if got.From == nil || got.From.Address != "no-reply@workcomm.test" || got.From.Name != "WorkComm" {
				t.Errorf("From %+v", got.From)
			}
			if len(got.To) != 1 || got.To[0].Address != to {
				t.Errorf("To %+v, want only %s", got.To, to)
			}
			if got.Subject != tc.subject {
				t.Errorf("Subject %q, want %q", got.Subject, tc.subject)
			}
			if got.Text == "" || got.HTML == "" {
				t.Fatalf("want both parts, got text %d bytes, html %d bytes", len(got.Text), len(got.HTML))
			}
			if links := linkRE.FindAllString(got.Text, -1); len(links) != 1 || links[0] != link {
				t.Errorf("text part links %q, want exactly %q", links, link)
			}
			if !strings.Contains(got.HTML, `href="`+link+`"`) {
				t.Errorf("HTML part has no href to %q:\n%s", link, got.HTML)
			}
			for _, part := range []string{got.Text, got.HTML} {
				if !strings.Contains(part, "Alice Élodie") || !strings.Contains(part, tc.validFor) ||
					!strings.Contains(strings.ReplaceAll(part, "&#39;", "'"), tc.ignore) {
					t.Errorf("a part lacks the greeting, the lifetime (%q) or the ignore line (%q):\n%s", tc.validFor, tc.ignore, part)
				}
			}
			raw := mp.Raw(t, got.ID)
			hdr, parts := parseMIME(t, raw)
			if hdr.Get("Content-Language") != tc.lang || hdr.Get("Auto-Submitted") != "auto-generated" {
				t.Errorf("Content-Language %q, Auto-Submitted %q", hdr.Get("Content-Language"), hdr.Get("Auto-Submitted"))
			}
			if len(parts) != 2 || parts[0].contentType != "text/plain" || parts[1].contentType != "text/html" {
				t.Errorf("parts %v, want text/plain then text/html", parts)
			}
			if strings.Contains(logs.String(), token) {
				t.Errorf("the token is in the logs:\n%s", logs.String())
			}
		})
	}
	t.Run("the two-factor notices arrive in both languages", func(t *testing.T) {
		at := time.Date(2026, 12, 3, 14, 5, 0, 0, time.UTC)
		for _, c := range []struct {
			lang    string
			enabled bool
			subject string
			says    string
		}{
			{mail.English, true, "Two-factor sign-in was turned on", "3 Dec 2026 at 14:05 UTC"},
			{mail.English, false, "Two-factor sign-in was turned off", "password only"},
			{mail.French, true, "La connexion en deux étapes a été activée", "03/12/2026 à 14:05 UTC"},
			{mail.French, false, "La connexion en deux étapes a été désactivée", "mot de passe"},
		} {
			to := "bob-" + c.lang + "-" + map[bool]string{true: "on", false: "off"}[c.enabled] + "@example.com"
			msg, err := mail.TwoFactorChangedMessage(c.lang, to, mail.TwoFactorChanged{Name: "Bob", Enabled: c.enabled, At: at})
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Send(context.Background(), msg); err != nil {
				t.Fatal(err)
			}
			got := mp.WaitMessage(t, `to:"`+to+`"`, deliveryWait)
			if got.Subject != c.subject || !strings.Contains(got.Text, c.says) || !strings.Contains(got.HTML, c.says) {
				t.Errorf("%s: subject %q (want %q), text or HTML without %q:\n%s\n%s", to, got.Subject, c.subject, c.says, got.Text, got.HTML)
			}
		}
	})
	t.Run("the helpers list, read and delete what arrived", func(t *testing.T) {
		all := mp.Messages(t)
		if len(all) != 6 {
			t.Fatalf("Mailpit holds %d messages, want 6", len(all))
		}
		mp.Delete(t, all[0].ID)
		if n := len(mp.Messages(t)); n != 5 {
			t.Fatalf("%d after deleting one, want 5", n)
		}
		mp.Delete(t)
		if n := len(mp.Messages(t)); n != 0 {
			t.Fatalf("%d after deleting all, want 0", n)
		}
	})
}

func TestSMTPUsesTLSAndAuthentication(t *testing.T) {
	certFile, keyFile, pool := selfSignedCert(t)
	authFile := filepath.Join(t.TempDir(), "smtp-users")
	hash, err := bcrypt.GenerateFromPassword([]byte("relay-pass"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(authFile, []byte("relay:"+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	timeout := 5 * time.Second
	send := func(t *testing.T, smtpURL, to string) error {
		m, err := mail.New(mail.Options{SMTPURL: smtpURL, From: from, Timeout: timeout, TLSConfig: &tls.Config{RootCAs: pool}})
		if err != nil {
			t.Fatal(err)
		}
		msg, err := mail.PasswordResetMessage(mail.English, to, mail.PasswordReset{Name: "Carol", Link: mail.ResetLink("https://chat.example.com", newToken(t)), ValidFor: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		return m.Send(context.Background(), msg)
	}

	t.Run("smtp:// takes the STARTTLS offered and signs in over it", func(t *testing.T) {
		mp := testenv.StartMailpit(t, testenv.MailpitOptions{TLSCert: certFile, TLSKey: keyFile, AuthFile: authFile})
		if err := send(t, mp.SMTPURL("smtp", "relay:relay-pass"), "carol@example.com"); err != nil {
			t.Fatal(err)
		}
		mp.WaitMessage(t, `to:"carol@example.com"`, deliveryWait)
		if err := send(t, mp.SMTPURL("smtp", "relay:wrong-pass"), "mallory@example.com"); err == nil {
			t.Fatal("a wrong SMTP password was accepted")
		}
		if err := send(t, mp.SMTPURL("smtp", ""), "nobody@example.com"); err == nil {
			t.Fatal("a server that requires AUTH took mail without it")
		}
	})
	t.Run("smtps:// speaks TLS from the first byte", func(t *testing.T) {
		mp := testenv.StartMailpit(t, testenv.MailpitOptions{TLSCert: certFile, TLSKey: keyFile, RequireTLS: true, AuthFile: authFile})
		if err := send(t, mp.SMTPURL("smtps", "relay:relay-pass"), "dave@example.com"); err != nil {
			t.Fatal(err)
		}
		mp.WaitMessage(t, `to:"dave@example.com"`, deliveryWait)
		// The same server through smtp:// (no TLS first) fails: the URL's
		// scheme is what decides, and nothing falls back to clear text. Both
		// sides wait for the other to speak first: the timeout ends it.
		timeout = time.Second
		if err := send(t, mp.SMTPURL("smtp", "relay:relay-pass"), "erin@example.com"); err == nil {
			t.Fatal("smtp:// to an implicit-TLS server succeeded")
		}
	})
	t.Run("a certificate the client does not trust is refused", func(t *testing.T) {
		mp := testenv.StartMailpit(t, testenv.MailpitOptions{TLSCert: certFile, TLSKey: keyFile, RequireTLS: true, AuthFile: authFile})
		m, err := mail.New(mail.Options{SMTPURL: mp.SMTPURL("smtps", "relay:relay-pass"), From: from, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		err = m.Send(context.Background(), mail.Message{To: "frank@example.com", Subject: "x", Text: "x"})
		var unknown x509.UnknownAuthorityError
		if !errors.As(err, &unknown) {
			t.Fatalf("error %v, want an unknown-authority error", err)
		}
	})
}

func TestSMTPFailureIsAnErrorWithinTheTimeout(t *testing.T) {
	const timeout = 700 * time.Millisecond
	// slack covers scheduling on a loaded machine, not a second attempt.
	const slack = 2 * time.Second
	msg := mail.Message{To: "gina@example.com", Subject: "s", Text: "t"}
	try := func(t *testing.T, addr string) error {
		t.Helper()
		m, err := mail.New(mail.Options{SMTPURL: "smtp://" + addr, From: from, Timeout: timeout})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		err = m.Send(context.Background(), msg)
		if took := time.Since(start); took > timeout+slack {
			t.Errorf("Send took %s, timeout is %s", took, timeout)
		}
		return err
	}
	t.Run("a closed port", func(t *testing.T) {
		err := try(t, net.JoinHostPort("127.0.0.1", itoa(testenv.FreePort(t))))
		if err == nil || !apperr.Unavailable(err) {
			t.Fatalf("error %v, want a connection error (503 unavailable)", err)
		}
	})
	t.Run("a server that accepts and never greets", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				defer c.Close() // held open, silent, until the test ends
			}
		}()
		if err := try(t, l.Addr().String()); err == nil || !apperr.Unavailable(err) {
			t.Fatalf("error %v, want a timeout (503 unavailable)", err)
		}
	})
	t.Run("a request deadline shorter than the timeout bounds the send", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		m, err := mail.New(mail.Options{SMTPURL: "smtp://" + l.Addr().String(), From: from, Timeout: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		if err := m.Send(ctx, msg); err == nil {
			t.Fatal("Send to a silent server succeeded")
		}
		if took := time.Since(start); took > 300*time.Millisecond+slack {
			t.Fatalf("Send took %s after a 300ms deadline", took)
		}
	})
}

func TestOutboxWritesAParseableEml(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "outbox")
	var logs bytes.Buffer
	m, err := mail.New(mail.Options{From: from, OutboxDir: dir, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.(*mail.Outbox); !ok || !mail.Available(m) {
		t.Fatalf("development without SMTP_URL built %T, want an available *mail.Outbox", m)
	}
	token := newToken(t)
	link := mail.ResetLink("https://chat.example.com", token)
	msg, err := mail.PasswordResetMessage(mail.French, "henri@example.com", mail.PasswordReset{Name: "Henri", Link: link, ValidFor: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || !strings.HasSuffix(entries[0].Name(), ".eml") {
		t.Fatalf("outbox holds %v, want one .eml", entries)
	}
	info, _ := entries[0].Info()
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600 (the file holds a live token)", info.Mode().Perm())
	}
	raw, err := os.ReadFile(filepath.Join(dir, entries[0].Name()))
	if err != nil {
		t.Fatal(err)
	}
	hdr, parts := parseMIME(t, raw)
	subject, err := new(mime.WordDecoder).DecodeHeader(hdr.Get("Subject"))
	if err != nil || subject != "Réinitialisez votre mot de passe WorkComm" {
		t.Errorf("Subject %q (%v)", subject, err)
	}
	if to, err := netmail.ParseAddress(hdr.Get("To")); err != nil || to.Address != "henri@example.com" {
		t.Errorf("To %q (%v)", hdr.Get("To"), err)
	}
	if f, err := netmail.ParseAddress(hdr.Get("From")); err != nil || f.Address != "no-reply@workcomm.test" {
		t.Errorf("From %q (%v)", hdr.Get("From"), err)
	}
	if !strings.HasSuffix(hdr.Get("Message-Id"), "@workcomm.test>") {
		t.Errorf("Message-ID %q is not on the sender's domain", hdr.Get("Message-Id"))
	}
	if len(parts) != 2 || parts[0].contentType != "text/plain" || parts[1].contentType != "text/html" {
		t.Fatalf("parts %v, want text/plain then text/html", parts)
	}
	if links := linkRE.FindAllString(parts[0].body, -1); len(links) != 1 || links[0] != link {
		t.Errorf("text links %q, want %q", links, link)
	}
	if !strings.Contains(parts[1].body, `href="`+link+`"`) {
		t.Errorf("HTML has no href to the link:\n%s", parts[1].body)
	}
	if !strings.Contains(logs.String(), "outbox") || strings.Contains(logs.String(), token) {
		t.Errorf("want the outbox named and the token absent in the logs:\n%s", logs.String())
	}
}

func TestProductionWithoutSMTPIsUnavailable(t *testing.T) {
	m, err := mail.New(mail.Options{From: from, Production: true, OutboxDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if mail.Available(m) {
		t.Fatal("production without SMTP_URL reports mail available")
	}
	err = m.Send(context.Background(), mail.Message{To: "x@example.com", Subject: "s", Text: "t"})
	if !errors.Is(err, mail.ErrUnavailable) {
		t.Fatalf("Send: %v, want ErrUnavailable", err)
	}
	status, body, _ := apperr.Resolve(err)
	if status != http.StatusServiceUnavailable || body.Error.Code != "email_unavailable" {
		t.Fatalf("resolves to %d %q, want 503 email_unavailable", status, body.Error.Code)
	}
}

func TestNewRefusesABadSender(t *testing.T) {
	if _, err := mail.New(mail.Options{From: "not an address", OutboxDir: t.TempDir()}); err == nil {
		t.Fatal("a sender that is no address was accepted")
	}
}

func TestParseSMTPURL(t *testing.T) {
	cases := []struct {
		raw  string
		want mail.SMTPSettings
		bad  bool
	}{
		{raw: "smtp://mail.example.com", want: mail.SMTPSettings{Host: "mail.example.com", Port: 587}},
		{raw: "smtps://mail.example.com", want: mail.SMTPSettings{Host: "mail.example.com", Port: 465, ImplicitTLS: true}},
		{raw: "smtp://u%40x:p%3Ass@127.0.0.1:2525", want: mail.SMTPSettings{Host: "127.0.0.1", Port: 2525, Username: "u@x", Password: "p:ss"}},
		{raw: "smtps://[::1]:10465", want: mail.SMTPSettings{Host: "::1", Port: 10465, ImplicitTLS: true}},
		{raw: "http://mail.example.com", bad: true},
		{raw: "smtp://", bad: true},
		{raw: "smtp://mail.example.com:0", bad: true},
		{raw: "smtp://mail.example.com/path", bad: true},
		{raw: "smtp://mail.example.com?tls=0", bad: true},
		{raw: "mail.example.com:25", bad: true},
	}
	for _, c := range cases {
		got, err := mail.ParseSMTPURL(c.raw)
		if c.bad {
			if err == nil {
				t.Errorf("%q: accepted as %+v", c.raw, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q: %+v, %v; want %+v", c.raw, got, err, c.want)
		}
	}
	if _, err := mail.ParseSMTPURL("smtp://user:hunter2@host:bad"); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %v: want one without the password", err)
	}
}

func TestMatchLanguage(t *testing.T) {
	for header, want := range map[string]string{
		"":                          mail.English,
		"fr":                        mail.French,
		"fr-CA,fr;q=0.9,en;q=0.8":   mail.French,
		"en-GB,en;q=0.9,fr;q=0.8":   mail.English,
		"de-DE,de;q=0.9":            mail.English,
		"de-DE,fr;q=0.5":            mail.French,
		"not a language header ;;;": mail.English,
	} {
		if got := mail.MatchLanguage(header); got != want {
			t.Errorf("MatchLanguage(%q) = %q, want %q", header, got, want)
		}
	}
}

func TestTemplatesEscapeWhatUsersWrite(t *testing.T) {
	msg, err := mail.PasswordResetMessage("de", "x@example.com", mail.PasswordReset{Name: `<img src=x onerror="alert(1)">`, Link: "https://chat.example.com/reset-password#token=abc", ValidFor: 30 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if msg.Language != mail.English || !strings.Contains(msg.Text, "valid for 30 minutes") {
		t.Errorf("an unknown language should fall back to English with '30 minutes': %q\n%s", msg.Language, msg.Text)
	}
	if strings.Contains(msg.HTML, "<img") || !strings.Contains(msg.HTML, "&lt;img") {
		t.Errorf("the display name reached the HTML unescaped:\n%s", msg.HTML)
	}
	if !strings.Contains(msg.Text, `<img src=x onerror="alert(1)">`) {
		t.Errorf("the plain text should show the name as written:\n%s", msg.Text)
	}
}

type mimePart struct {
	contentType string
	body        string
}

func (p mimePart) String() string { return p.contentType }

// parseMIME reads a message as a mail client does: headers, then the parts
// of its multipart/alternative body, decoded from quoted-printable.
func parseMIME(t *testing.T, raw []byte) (netmail.Header, []mimePart) {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("not a parseable message: %v\n%s", err, raw)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type %q (%v), want multipart/alternative", msg.Header.Get("Content-Type"), err)
	}
	var parts []mimePart
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, ctParams, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if ctParams["charset"] != "UTF-8" {
			t.Errorf("part %s has charset %q, want UTF-8", ct, ctParams["charset"])
		}
		var body io.Reader = p
		if p.Header.Get("Content-Transfer-Encoding") == "quoted-printable" {
			body = quotedprintable.NewReader(p)
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, mimePart{contentType: ct, body: string(b)})
	}
	return msg.Header, parts
}

// selfSignedCert writes a certificate for 127.0.0.1 and its key, and returns
// a pool that trusts it.
func selfSignedCert(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func itoa(n int) string { return big.NewInt(int64(n)).String() }
