package deploy_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"workcomm/testenv"
)

// repoRoot is the module root, two levels above this package's files.
func repoRoot(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(wd)
}

// templateVars are the only names nginx.conf takes from its environment.
var templateVars = regexp.MustCompile(`\$\{([A-Z_]+)\}`)

// renderNginx fills the ${VAR} names of frontend/scripts/nginx.conf, as the
// nginx image's envsubst step does; nginx's own $variables are left alone.
func renderNginx(t testing.TB, vars map[string]string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "frontend", "scripts", "nginx.conf"))
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	out := templateVars.ReplaceAllStringFunc(string(raw), func(m string) string {
		name := templateVars.FindStringSubmatch(m)[1]
		v, ok := vars[name]
		if !ok {
			missing = append(missing, name)
		}
		return v
	})
	if len(missing) > 0 {
		t.Fatalf("nginx.conf uses variables the test does not set: %v", missing)
	}
	return out
}

// nginxSite is a rendered nginx with its own prefix folder.
type nginxSite struct {
	dir        string
	conf       string
	httpPort   int
	httpsPort  int
	certPool   *x509.CertPool
	staticRoot string
}

// newNginxSite writes a self-signed certificate, the upstream list and the
// main config that includes the rendered site, all under a temp folder.
func newNginxSite(t testing.TB, upstreams []string, staticRoot string) *nginxSite {
	t.Helper()
	if _, err := exec.LookPath("nginx"); err != nil {
		if os.Getenv("WORKCOMM_REQUIRE_NGINX") == "1" {
			t.Fatal("nginx is required (WORKCOMM_REQUIRE_NGINX=1) but not installed")
		}
		t.Skip("nginx not installed: apt-get install nginx")
	}
	dir, err := os.MkdirTemp("", "wc-nginx-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := &nginxSite{dir: dir, httpPort: testenv.FreePort(t), httpsPort: testenv.FreePort(t), staticRoot: staticRoot}
	certFile, keyFile := filepath.Join(dir, "fullchain.pem"), filepath.Join(dir, "privkey.pem")
	s.certPool = writeSelfSigned(t, certFile, keyFile)
	var up strings.Builder
	for _, u := range upstreams {
		fmt.Fprintf(&up, "server %s max_fails=2 fail_timeout=5s;\n", u)
	}
	upstreamConf := filepath.Join(dir, "upstream.conf")
	must(t, os.WriteFile(upstreamConf, []byte(up.String()), 0o644))
	acme := filepath.Join(dir, "acme")
	must(t, os.MkdirAll(acme, 0o755))
	site := renderNginx(t, map[string]string{
		"SERVER_NAME": "localhost", "LISTEN_HTTP": fmt.Sprint(s.httpPort), "LISTEN_HTTPS": fmt.Sprint(s.httpsPort),
		"TLS_CERT": certFile, "TLS_KEY": keyFile, "STATIC_ROOT": staticRoot, "UPSTREAM_CONF": upstreamConf, "ACME_ROOT": acme,
	})
	siteFile := filepath.Join(dir, "site.conf")
	must(t, os.WriteFile(siteFile, []byte(site), 0o644))
	// The main config is what the nginx image ships around conf.d: here it
	// only points logs and temp files into the test's folder.
	s.conf = filepath.Join(dir, "nginx.conf")
	main := fmt.Sprintf(`user root;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log %[1]s/access.log;
    client_body_temp_path %[1]s/client_body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    include %[2]s;
}
`, dir, siteFile)
	must(t, os.WriteFile(s.conf, []byte(main), 0o644))
	return s
}

// test runs `nginx -t` on the rendered configuration.
func (s *nginxSite) test(t testing.TB) {
	t.Helper()
	out, err := exec.Command("nginx", "-t", "-p", s.dir, "-c", s.conf).CombinedOutput()
	if err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}
}

// start runs nginx in the foreground until the test ends.
func (s *nginxSite) start(t testing.TB) {
	t.Helper()
	s.test(t)
	cmd := exec.Command("nginx", "-p", s.dir, "-c", s.conf, "-g", "daemon off;")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	must(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
		}
		if t.Failed() {
			if b, err := os.ReadFile(filepath.Join(s.dir, "error.log")); err == nil {
				t.Logf("nginx error.log:\n%s", b)
			}
		}
	})
	waitTCP(t, fmt.Sprintf("127.0.0.1:%d", s.httpsPort))
}

func waitTCP(t testing.TB, addr string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never listened", addr)
}

func writeSelfSigned(t testing.TB, certFile, keyFile string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	must(t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	must(t, err)
	must(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644))
	must(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600))
	cert, err := x509.ParseCertificate(der)
	must(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
