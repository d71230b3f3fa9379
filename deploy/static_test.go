package deploy_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

func read(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// makeVar returns the value of `NAME := value` in the Makefile.
func makeVar(t *testing.T, makefile, name string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + name + `\s*:=\s*(.*)$`).FindStringSubmatch(makefile)
	if m == nil {
		t.Fatalf("Makefile has no %s", name)
	}
	return strings.TrimSpace(m[1])
}

// recipe returns the commands of a Makefile target.
func recipe(t *testing.T, makefile, target string) string {
	t.Helper()
	m := regexp.MustCompile(`(?ms)^` + target + `:[^\n]*\n((?:\t[^\n]*\n)+)`).FindStringSubmatch(makefile)
	if m == nil {
		t.Fatalf("Makefile has no target %s", target)
	}
	return m[1]
}

func runLines(dockerfile string) []string {
	var out []string
	for _, line := range strings.Split(dockerfile, "\n") {
		if strings.HasPrefix(line, "RUN ") {
			out = append(out, strings.TrimSpace(strings.TrimPrefix(line, "RUN ")))
		}
	}
	return out
}

func TestDockerfilesBuildAsTheMakefileDoes(t *testing.T) {
	mk := read(t, "Makefile")
	t.Run("server: the same go build command", func(t *testing.T) {
		want := strings.ReplaceAll(strings.TrimSpace(strings.Split(recipe(t, mk, "build-server"), "\n")[0]), "$(GO_BUILD_FLAGS)", makeVar(t, mk, "GO_BUILD_FLAGS"))
		var got string
		for _, r := range runLines(read(t, "Dockerfile")) {
			if strings.Contains(r, "go build") {
				got = r
			}
		}
		if got != want {
			t.Fatalf("Dockerfile builds with\n  %q\nthe Makefile with\n  %q", got, want)
		}
	})
	t.Run("frontend: the same npm commands", func(t *testing.T) {
		mkRecipe := recipe(t, mk, "build-frontend")
		for _, r := range runLines(read(t, "frontend/Dockerfile")) {
			if strings.HasPrefix(r, "npm ") && !strings.Contains(mkRecipe, r) {
				t.Fatalf("frontend/Dockerfile runs %q, which the Makefile's build-frontend does not", r)
			}
		}
	})
	t.Run("the server image runs as non-root with a healthcheck and no secret", func(t *testing.T) {
		df := read(t, "Dockerfile")
		for _, want := range []string{"USER nonroot", "HEALTHCHECK", `"healthcheck"`} {
			if !strings.Contains(df, want) {
				t.Fatalf("Dockerfile lacks %s", want)
			}
		}
		if regexp.MustCompile(`(?i)(JWT_SECRET|STRIPE_SECRET_KEY|PASSWORD)\s*=`).MatchString(df) {
			t.Fatal("Dockerfile sets a secret")
		}
	})
}

type composeFile struct {
	Services map[string]struct {
		Image       string         `yaml:"image"`
		Build       any            `yaml:"build"`
		Command     []string       `yaml:"command"`
		Restart     string         `yaml:"restart"`
		Environment map[string]any `yaml:"environment"`
		Volumes     []string       `yaml:"volumes"`
		Healthcheck *struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
		Deploy struct {
			Replicas int `yaml:"replicas"`
		} `yaml:"deploy"`
		DependsOn map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
		Profiles []string `yaml:"profiles"`
	} `yaml:"services"`
}

func TestComposeFile(t *testing.T) {
	raw := read(t, "docker-compose.prod.yml")
	var c composeFile
	if err := yaml.Unmarshal([]byte(raw), &c); err != nil {
		t.Fatalf("docker-compose.prod.yml does not parse: %v", err)
	}
	for _, name := range []string{"postgres", "redis", "migrate", "server", "nginx"} {
		if _, ok := c.Services[name]; !ok {
			t.Fatalf("service %s missing", name)
		}
	}
	for _, name := range []string{"postgres", "redis", "server", "nginx"} {
		if hc := c.Services[name].Healthcheck; hc == nil || len(hc.Test) == 0 {
			t.Errorf("service %s has no healthcheck", name)
		}
	}
	pg := c.Services["postgres"]
	if len(pg.Volumes) == 0 || !strings.HasPrefix(pg.Volumes[0], "pgdata:") {
		t.Errorf("postgres keeps no volume: %v", pg.Volumes)
	}
	mig := c.Services["migrate"]
	if strings.Join(mig.Command, " ") != "migrate" || mig.Restart != "no" {
		t.Errorf("migrate is not a one-shot migrate job: %+v", mig)
	}
	srv := c.Services["server"]
	if srv.Deploy.Replicas != 2 {
		t.Errorf("server replicas = %d, want 2", srv.Deploy.Replicas)
	}
	if srv.DependsOn["migrate"].Condition != "service_completed_successfully" {
		t.Errorf("server does not wait for the migration: %+v", srv.DependsOn)
	}
	if srv.Environment["REDIS_URL"] == nil || srv.Environment["DATABASE_URL"] == nil {
		t.Error("server lacks REDIS_URL or DATABASE_URL")
	}
	t.Run("no secret literal: every secret comes from the env file", func(t *testing.T) {
		secretKey := regexp.MustCompile(`(?i)(SECRET|PASSWORD|_KEY$)`)
		for name, svc := range c.Services {
			for k, v := range svc.Environment {
				s, _ := v.(string)
				if secretKey.MatchString(k) && s != "" && !regexp.MustCompile(`^\$\{[A-Z_]+\}$`).MatchString(s) {
					t.Errorf("%s.%s is a literal %q, want ${VAR}", name, k, s)
				}
			}
		}
		if regexp.MustCompile(`sk_(live|test)_[0-9A-Za-z]+|whsec_[0-9A-Za-z]+`).MatchString(raw) {
			t.Error("a Stripe key is written in the compose file")
		}
	})
	t.Run(".env.example documents every variable the compose file reads", func(t *testing.T) {
		example := read(t, ".env.example")
		for _, m := range regexp.MustCompile(`\$\{([A-Z_]+)(:-[^}]*)?\}`).FindAllStringSubmatch(raw, -1) {
			if !regexp.MustCompile(`(?m)^` + m[1] + `=`).MatchString(example) {
				t.Errorf(".env.example lacks %s", m[1])
			}
		}
	})
}

func TestNginxConfigIsValid(t *testing.T) {
	site := newNginxSite(t, []string{"127.0.0.1:1"}, t.TempDir())
	site.test(t)
	conf := read(t, "frontend/scripts/nginx.conf")
	for _, want := range []string{"proxy_http_version 1.1", "proxy_set_header Upgrade $http_upgrade", "proxy_read_timeout 90s",
		"return 301 https://", "client_max_body_size", "X-Request-ID", "X-Forwarded-For", "/etc/letsencrypt"} {
		if !strings.Contains(conf+read(t, "frontend/Dockerfile"), want) {
			t.Errorf("nginx setup lacks %q", want)
		}
	}
}
