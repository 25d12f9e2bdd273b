// helm-template-standin: a STAND-IN for `helm template`, for machines without helm.
//
// It is NOT helm. It renders a chart with the same template engine (Go text/template) and the same
// function library (Masterminds sprig) that helm uses, plus helm's own additions (include, tpl,
// toYaml, fromYaml, toJson, fromJson, required, fail, lookup, .Files, .Capabilities), so a chart
// that renders here renders the same objects under helm. The chart tests use real helm whenever
// `helm` is on PATH; this program exists so that they can run everywhere else.
//
// Build (GOPATH mode, Debian packages golang-go golang-github-masterminds-sprig-dev
// golang-gopkg-yaml.v2-dev):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o helm-template-standin .
//
// Usage, as helm's:
//
//	helm-template-standin template [NAME] CHART [-n NS] [-f values.yaml]... [--set k=v]...
//	    [--set-string k=v]... [--include-crds] [--api-versions group/version]... [--kube-version v1.32.0]
//	    [--no-hooks] [--skip-tests] [--notes] [--print-values]
//
// What is helm-compatible: values merging (chart values.yaml, then each -f in order, then --set;
// maps merge deeply, a null deletes a key), numbers from YAML files as float64 and integers from
// --set as int64 (helm's typing), missingkey=zero with "<no value>" removed, templates named
// CHART/templates/FILE, partials (_*.tpl) not emitted, output split on `---` and sorted in helm's
// install order with "# Source:" comments, crds/ emitted first with --include-crds, toYaml without
// its trailing newline, lookup returning an empty map (as helm template does without a cluster).
// Hooks (objects annotated helm.sh/hook) come after the other objects, as helm template prints
// them; --no-hooks leaves them out, --skip-tests leaves out the test hooks.
// --notes (stand-in only) prints the rendered NOTES.txt after the manifests, as a comment block.
// --print-values (stand-in only) prints the coalesced values as JSON instead of rendering: the
// chart tests validate them against values.schema.json with ajv, as helm does before rendering.
// Not supported: subcharts and dependencies, .Files.Glob/AsConfig/AsSecrets, values.schema.json
// (validated by the chart tests instead, see above), post-renderers, --set with list indexes
// (a[0]=x); each is an error or absent, never a silent difference.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	yaml "gopkg.in/yaml.v2"
)

// ---------------------------------------------------------------------------------------------
// Command line

type options struct {
	releaseName string
	chartDir    string
	namespace   string
	valueFiles  []string
	sets        []string
	setStrings  []string
	includeCRDs bool
	apiVersions []string
	kubeVersion string
	notes       bool
	noHooks     bool
	skipTests   bool
	printValues bool
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: helm-template-standin template [NAME] CHART [-n NS] [-f FILE]... [--set K=V]... "+
		"[--set-string K=V]... [--include-crds] [--api-versions G/V]... [--kube-version V] [--notes]")
	os.Exit(2)
}

func parseArgs(args []string) options {
	o := options{namespace: "default", kubeVersion: "v1.32.0"}
	if len(args) == 0 || args[0] != "template" {
		usage()
	}
	var positional []string
	next := func(i *int, flag string) string {
		if *i+1 >= len(args) {
			fmt.Fprintf(os.Stderr, "error: %s needs a value\n", flag)
			os.Exit(2)
		}
		*i++
		return args[*i]
	}
	for i := 1; i < len(args); i++ {
		a := args[i]
		flag, value, hasValue := a, "", false
		if strings.HasPrefix(a, "--") {
			if eq := strings.IndexByte(a, '='); eq >= 0 {
				flag, value, hasValue = a[:eq], a[eq+1:], true
			}
		}
		get := func() string {
			if hasValue {
				return value
			}
			return next(&i, flag)
		}
		switch flag {
		case "-n", "--namespace":
			o.namespace = get()
		case "-f", "--values":
			o.valueFiles = append(o.valueFiles, get())
		case "--set":
			o.sets = append(o.sets, get())
		case "--set-string":
			o.setStrings = append(o.setStrings, get())
		case "--include-crds":
			o.includeCRDs = true
		case "-a", "--api-versions":
			o.apiVersions = append(o.apiVersions, strings.Split(get(), ",")...)
		case "--kube-version":
			o.kubeVersion = get()
		case "--notes":
			o.notes = true
		case "--no-hooks":
			o.noHooks = true
		case "--skip-tests":
			o.skipTests = true
		case "--print-values":
			o.printValues = true
		case "-h", "--help":
			usage()
		default:
			if strings.HasPrefix(a, "-") {
				fmt.Fprintf(os.Stderr, "error: unknown flag %s (this is a stand-in for helm template; see its header)\n", a)
				os.Exit(2)
			}
			positional = append(positional, a)
		}
	}
	switch len(positional) {
	case 1:
		o.releaseName, o.chartDir = "release-name", positional[0]
	case 2:
		o.releaseName, o.chartDir = positional[0], positional[1]
	default:
		usage()
	}
	return o
}

// ---------------------------------------------------------------------------------------------
// Values: YAML as helm reads it (sigs.k8s.io/yaml: YAML 1.1 via yaml.v2, then JSON typing, so
// every number is a float64).

func normalize(v interface{}) interface{} {
	switch t := v.(type) {
	case map[interface{}]interface{}:
		m := make(map[string]interface{}, len(t))
		for k, val := range t {
			m[fmt.Sprint(k)] = normalize(val)
		}
		return m
	case map[string]interface{}:
		for k, val := range t {
			t[k] = normalize(val)
		}
		return t
	case []interface{}:
		for i := range t {
			t[i] = normalize(t[i])
		}
		return t
	case int:
		return float64(t)
	case int64:
		return float64(t)
	case uint64:
		return float64(t)
	case float32:
		return float64(t)
	default:
		return v
	}
}

func readValuesFile(file string) (map[string]interface{}, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var raw interface{}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if raw == nil {
		return map[string]interface{}{}, nil
	}
	m, ok := normalize(raw).(map[string]interface{})
	if !ok {
		return nil, fmt.Errorf("%s: values must be a map", file)
	}
	return m, nil
}

// coalesce merges src into dst as helm does for user values over chart defaults: maps merge
// deeply, anything else replaces, and a null removes the key.
func coalesce(dst, src map[string]interface{}) map[string]interface{} {
	for k, sv := range src {
		if sv == nil {
			delete(dst, k)
			continue
		}
		sm, sIsMap := sv.(map[string]interface{})
		dm, dIsMap := dst[k].(map[string]interface{})
		if sIsMap && dIsMap {
			dst[k] = coalesce(dm, sm)
		} else {
			dst[k] = sv
		}
	}
	return dst
}

// --set parsing: a.b.c=value, commas separate assignments, {a,b} is a list, \. \, escape.
func splitUnescaped(s string, sep byte) []string {
	var parts []string
	var cur strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			cur.WriteByte(c)
			cur.WriteByte(s[i+1])
			i++
		case c == '{':
			depth++
			cur.WriteByte(c)
		case c == '}':
			depth--
			cur.WriteByte(c)
		case c == sep && depth == 0:
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(parts, cur.String())
}

func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// typedVal types a --set value the way helm's strvals does.
func typedVal(v string, asString bool) interface{} {
	if asString {
		return v
	}
	switch strings.ToLower(v) {
	case "true":
		return true
	case "false":
		return false
	case "null":
		return nil
	}
	if v == "0" {
		return int64(0)
	}
	if len(v) > 0 && v[0] != '0' {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n
		}
	}
	return v
}

func applySet(values map[string]interface{}, expr string, asString bool) error {
	for _, assignment := range splitUnescaped(expr, ',') {
		if assignment == "" {
			continue
		}
		eq := -1
		for i := 0; i < len(assignment); i++ {
			if assignment[i] == '\\' {
				i++
				continue
			}
			if assignment[i] == '=' {
				eq = i
				break
			}
		}
		if eq < 0 {
			return fmt.Errorf("--set %q: expected key=value", assignment)
		}
		key, raw := assignment[:eq], assignment[eq+1:]
		if strings.ContainsAny(key, "[]") {
			return fmt.Errorf("--set %q: list indexes are not supported by this stand-in; use a values file", assignment)
		}
		var val interface{}
		if strings.HasPrefix(raw, "{") && strings.HasSuffix(raw, "}") {
			list := []interface{}{}
			inner := raw[1 : len(raw)-1]
			if inner != "" {
				for _, item := range splitUnescaped(inner, ',') {
					list = append(list, typedVal(unescape(item), asString))
				}
			}
			val = list
		} else {
			val = typedVal(unescape(raw), asString)
		}
		keys := splitUnescaped(key, '.')
		m := values
		for i, k := range keys {
			k = unescape(k)
			if i == len(keys)-1 {
				if val == nil {
					delete(m, k)
				} else {
					m[k] = val
				}
				break
			}
			child, ok := m[k].(map[string]interface{})
			if !ok {
				child = map[string]interface{}{}
				m[k] = child
			}
			m = child
		}
	}
	return nil
}

// ---------------------------------------------------------------------------------------------
// The objects templates see.

// Chart mirrors helm's chart.Metadata (the fields templates use).
type Chart struct {
	Name         string   `yaml:"name"`
	Home         string   `yaml:"home"`
	Sources      []string `yaml:"sources"`
	Version      string   `yaml:"version"`
	Description  string   `yaml:"description"`
	Keywords     []string `yaml:"keywords"`
	Icon         string   `yaml:"icon"`
	APIVersion   string   `yaml:"apiVersion"`
	AppVersion   string   `yaml:"appVersion"`
	KubeVersion  string   `yaml:"kubeVersion"`
	Type         string   `yaml:"type"`
	Deprecated   bool     `yaml:"deprecated"`
	Annotations  map[string]string
	Dependencies []interface{} `yaml:"dependencies"`
}

// KubeVersion mirrors chartutil.KubeVersion.
type KubeVersion struct {
	Version    string
	Major      string
	Minor      string
	GitVersion string
}

func (k KubeVersion) String() string { return k.Version }

// VersionSet mirrors chartutil.VersionSet.
type VersionSet []string

// Has reports whether "group/version" or "group/version/Kind" is in the set.
func (v VersionSet) Has(apiVersion string) bool {
	for _, x := range v {
		if x == apiVersion {
			return true
		}
	}
	return false
}

// Capabilities mirrors chartutil.Capabilities.
type Capabilities struct {
	KubeVersion KubeVersion
	APIVersions VersionSet
	HelmVersion map[string]string
}

// Files mirrors helm's .Files (Get, GetBytes, Lines).
type Files map[string][]byte

func (f Files) Get(name string) string      { return string(f[name]) }
func (f Files) GetBytes(name string) []byte { return f[name] }
func (f Files) Lines(name string) []string {
	if f[name] == nil {
		return []string{}
	}
	return strings.Split(strings.TrimRight(string(f[name]), "\n"), "\n")
}

// The API versions helm template knows without a cluster (chartutil.DefaultVersionSet, trimmed to
// what a v1.32 API server serves).
var defaultAPIVersions = []string{
	"v1", "admissionregistration.k8s.io/v1", "apiextensions.k8s.io/v1", "apiregistration.k8s.io/v1",
	"apps/v1", "authentication.k8s.io/v1", "authorization.k8s.io/v1", "autoscaling/v1", "autoscaling/v2",
	"batch/v1", "certificates.k8s.io/v1", "coordination.k8s.io/v1", "discovery.k8s.io/v1",
	"events.k8s.io/v1", "flowcontrol.apiserver.k8s.io/v1", "networking.k8s.io/v1", "node.k8s.io/v1",
	"policy/v1", "rbac.authorization.k8s.io/v1", "scheduling.k8s.io/v1", "storage.k8s.io/v1",
}

// ---------------------------------------------------------------------------------------------
// helm's template functions beyond sprig (pkg/engine/funcs.go), with the same semantics.

func toYAML(v interface{}) string {
	// sigs.k8s.io/yaml: through JSON (so struct tags, sorted keys and JSON typing apply), then YAML.
	data, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	var generic interface{}
	if err := yaml.Unmarshal(data, &generic); err != nil {
		return ""
	}
	out, err := yaml.Marshal(generic)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(out), "\n")
}

func fromYAML(s string) map[string]interface{} {
	var raw interface{}
	if err := yaml.Unmarshal([]byte(s), &raw); err != nil {
		return map[string]interface{}{"Error": err.Error()}
	}
	if m, ok := normalize(raw).(map[string]interface{}); ok {
		return m
	}
	return map[string]interface{}{}
}

func fromYAMLArray(s string) []interface{} {
	var raw interface{}
	if err := yaml.Unmarshal([]byte(s), &raw); err != nil {
		return []interface{}{err.Error()}
	}
	if a, ok := normalize(raw).([]interface{}); ok {
		return a
	}
	return []interface{}{}
}

func toJSON(v interface{}) string {
	data, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(data)
}

func fromJSON(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromJSONArray(s string) []interface{} {
	a := []interface{}{}
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}

// ---------------------------------------------------------------------------------------------
// Rendering

type renderer struct {
	chartName string
	tmpl      *template.Template
	top       map[string]interface{}
	depth     int
}

func (r *renderer) funcs() template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	f["toYaml"] = toYAML
	f["mustToYaml"] = toYAML
	f["fromYaml"] = fromYAML
	f["fromYamlArray"] = fromYAMLArray
	f["toJson"] = toJSON
	f["mustToJson"] = toJSON
	f["fromJson"] = fromJSON
	f["fromJsonArray"] = fromJSONArray
	f["toToml"] = func(interface{}) string { return "" }
	f["include"] = func(name string, data interface{}) (string, error) {
		r.depth++
		defer func() { r.depth-- }()
		if r.depth > 1000 {
			return "", fmt.Errorf("rendering template has a nested reference name: %s", name)
		}
		var buf bytes.Buffer
		if err := r.tmpl.ExecuteTemplate(&buf, name, data); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	f["tpl"] = func(text string, data interface{}) (string, error) {
		t, err := r.tmpl.Clone()
		if err != nil {
			return "", err
		}
		t, err = t.New("tpl").Option("missingkey=zero").Parse(text)
		if err != nil {
			return "", fmt.Errorf("cannot parse template %q: %w", text, err)
		}
		var buf bytes.Buffer
		if err := t.Execute(&buf, data); err != nil {
			return "", fmt.Errorf("error calling tpl: %w", err)
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
	f["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil {
			return v, errors.New(msg)
		}
		if s, ok := v.(string); ok && s == "" {
			return v, errors.New(msg)
		}
		return v, nil
	}
	f["fail"] = func(msg string) (string, error) { return "", errors.New(msg) }
	f["lookup"] = func(apiVersion, kind, namespace, name string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil
	}
	return f
}

var docSeparator = regexp.MustCompile(`(?:^|\s*\n)---\s*`)

type manifest struct {
	source  string
	kind    string
	content string
	index   int
	hook    string // the helm.sh/hook annotation: "" for an ordinary object
}

// helm's InstallOrder (pkg/releaseutil/kind_sorter.go).
var installOrder = []string{
	"PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
	"PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass",
	"PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole",
	"ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding",
	"RoleBindingList", "Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
	"HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService",
	"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
}

func kindRank(kind string) int {
	for i, k := range installOrder {
		if k == kind {
			return i
		}
	}
	return len(installOrder)
}

func run(o options) error {
	chartDir := filepath.Clean(o.chartDir)
	chartData, err := os.ReadFile(filepath.Join(chartDir, "Chart.yaml"))
	if err != nil {
		return err
	}
	var chart Chart
	if err := yaml.Unmarshal(chartData, &chart); err != nil {
		return fmt.Errorf("Chart.yaml: %w", err)
	}
	if chart.Name == "" || chart.Version == "" {
		return errors.New("Chart.yaml: name and version are required")
	}
	if len(chart.Dependencies) > 0 {
		return errors.New("chart dependencies are not supported by this stand-in")
	}

	values, err := readValuesFile(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		return err
	}
	for _, f := range o.valueFiles {
		user, err := readValuesFile(f)
		if err != nil {
			return err
		}
		values = coalesce(values, user)
	}
	for _, s := range o.sets {
		if err := applySet(values, s, false); err != nil {
			return err
		}
	}
	for _, s := range o.setStrings {
		if err := applySet(values, s, true); err != nil {
			return err
		}
	}

	if o.printValues {
		data, err := json.Marshal(values)
		if err != nil {
			return err
		}
		_, err = os.Stdout.Write(append(data, '\n'))
		return err
	}

	// Every file of the chart: templates/ to parse, crds/ to emit, the rest for .Files.
	files := Files{}
	var templateNames []string
	templateText := map[string]string{}
	var crdFiles []string
	err = filepath.WalkDir(chartDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "charts" && filepath.Dir(p) == chartDir {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(chartDir, p)
		rel = filepath.ToSlash(rel)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		switch {
		case strings.HasPrefix(rel, "templates/"):
			name := path.Join(chart.Name, rel)
			templateNames = append(templateNames, name)
			templateText[name] = string(data)
		default:
			if strings.HasPrefix(rel, "crds/") && (strings.HasSuffix(rel, ".yaml") || strings.HasSuffix(rel, ".yml") || strings.HasSuffix(rel, ".json")) {
				crdFiles = append(crdFiles, rel)
			}
			files[rel] = data
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(templateNames)
	sort.Strings(crdFiles)

	kv := strings.TrimPrefix(o.kubeVersion, "v")
	parts := strings.SplitN(kv, ".", 3)
	if len(parts) < 2 {
		return fmt.Errorf("--kube-version %q: expected vMAJOR.MINOR[.PATCH]", o.kubeVersion)
	}
	apiVersions := append(VersionSet{}, defaultAPIVersions...)
	apiVersions = append(apiVersions, o.apiVersions...)

	r := &renderer{chartName: chart.Name}
	r.top = map[string]interface{}{
		"Values": values,
		"Release": map[string]interface{}{
			"Name": o.releaseName, "Namespace": o.namespace, "Revision": 1,
			"IsInstall": true, "IsUpgrade": false, "Service": "Helm",
		},
		"Chart": chart,
		"Capabilities": Capabilities{
			KubeVersion: KubeVersion{Version: "v" + kv, Major: parts[0], Minor: parts[1], GitVersion: "v" + kv},
			APIVersions: apiVersions,
			HelmVersion: map[string]string{"Version": "v3-stand-in"},
		},
		"Files": files,
	}
	r.tmpl = template.New("gotpl").Option("missingkey=zero").Funcs(r.funcs())
	for _, name := range templateNames {
		if _, err := r.tmpl.New(name).Parse(templateText[name]); err != nil {
			return fmt.Errorf("parse error in %s: %w", name, err)
		}
	}

	var manifests []manifest
	var notes string
	for _, name := range templateNames {
		base := path.Base(name)
		if strings.HasPrefix(base, "_") {
			continue
		}
		isNotes := base == "NOTES.txt"
		if !isNotes && !(strings.HasSuffix(base, ".yaml") || strings.HasSuffix(base, ".yml") || strings.HasSuffix(base, ".tpl") || strings.HasSuffix(base, ".json")) {
			continue
		}
		ctx := map[string]interface{}{}
		for k, v := range r.top {
			ctx[k] = v
		}
		ctx["Template"] = map[string]interface{}{"Name": name, "BasePath": path.Join(chart.Name, "templates")}
		var buf bytes.Buffer
		if err := r.tmpl.ExecuteTemplate(&buf, name, ctx); err != nil {
			return fmt.Errorf("render error in %s: %w", name, err)
		}
		out := strings.ReplaceAll(buf.String(), "<no value>", "")
		if isNotes {
			notes = out
			continue
		}
		for _, doc := range docSeparator.Split(out, -1) {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			var head struct {
				Kind     string `yaml:"kind"`
				Metadata struct {
					Annotations map[string]string `yaml:"annotations"`
				} `yaml:"metadata"`
			}
			if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
				return fmt.Errorf("%s: rendered YAML does not parse: %w\n%s", name, err, doc)
			}
			manifests = append(manifests, manifest{source: name, kind: head.Kind, content: doc, index: len(manifests),
				hook: head.Metadata.Annotations["helm.sh/hook"]})
		}
	}
	sort.SliceStable(manifests, func(i, j int) bool { return kindRank(manifests[i].kind) < kindRank(manifests[j].kind) })

	var w strings.Builder
	if o.includeCRDs {
		for _, f := range crdFiles {
			w.WriteString("---\n# Source: " + path.Join(chart.Name, f) + "\n")
			w.WriteString(strings.TrimRight(string(files[f]), "\n") + "\n")
		}
	}
	// Ordinary objects, then the hooks (each group in install order), as helm template prints them.
	for _, hooks := range []bool{false, true} {
		for _, m := range manifests {
			if (m.hook != "") != hooks {
				continue
			}
			if hooks && (o.noHooks || (o.skipTests && isTestHook(m.hook))) {
				continue
			}
			w.WriteString("---\n# Source: " + m.source + "\n")
			w.WriteString(strings.TrimRight(m.content, "\n") + "\n")
		}
	}
	if o.notes {
		w.WriteString("\n# NOTES:\n")
		for _, line := range strings.Split(strings.TrimRight(notes, "\n"), "\n") {
			w.WriteString(strings.TrimRight("# "+line, " ") + "\n")
		}
	}
	_, err = os.Stdout.WriteString(w.String())
	return err
}

// isTestHook: helm's test hooks (helm.sh/hook: test, or the older test-success).
func isTestHook(hook string) bool {
	for _, h := range strings.Split(hook, ",") {
		if h = strings.TrimSpace(h); h == "test" || h == "test-success" {
			return true
		}
	}
	return false
}

func main() {
	if err := run(parseArgs(os.Args[1:])); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}
