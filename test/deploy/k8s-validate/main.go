// k8s-validate checks rendered Kubernetes manifests OFFLINE, without a cluster or downloaded
// JSON schemas: every document is decoded with the Kubernetes API types themselves (k8s.io/api,
// plus the Prometheus Operator and Gateway API types for ServiceMonitor and HTTPRoute) in STRICT
// mode, which rejects unknown fields, duplicate fields and wrongly typed values exactly as the API
// server's field validation does. On top of that it runs the structural checks the API server
// would reject an object for (names, labels, selectors matching templates, containers with images,
// probes on declared ports, volume mounts of declared volumes, ...).
//
//	helm template ... | k8s-validate            validate stdin
//	k8s-validate a.yaml b.yaml                  validate files
//
// Exit status 0 when every object is valid, 1 with one line per problem otherwise.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	"sigs.k8s.io/yaml"
)

var scheme = runtime.NewScheme()

func init() {
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, batchv1.AddToScheme, autoscalingv2.AddToScheme,
		policyv1.AddToScheme, networkingv1.AddToScheme, rbacv1.AddToScheme,
		monitoringv1.AddToScheme, gatewayv1.Install,
	} {
		if err := add(scheme); err != nil {
			panic(err)
		}
	}
}

type problems struct{ list []string }

func (p *problems) add(where, format string, args ...any) {
	p.list = append(p.list, where+": "+fmt.Sprintf(format, args...))
}

var sourceRe = regexp.MustCompile(`(?m)^# Source: (.+)$`)

func main() {
	var inputs []struct {
		name string
		data []byte
	}
	if len(os.Args) > 1 {
		for _, f := range os.Args[1:] {
			b, err := os.ReadFile(f)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
			inputs = append(inputs, struct {
				name string
				data []byte
			}{f, b})
		}
	} else {
		b, err := io.ReadAll(bufio.NewReader(os.Stdin))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		inputs = append(inputs, struct {
			name string
			data []byte
		}{"<stdin>", b})
	}

	decoder := serializer.NewCodecFactory(scheme, serializer.EnableStrict).UniversalDeserializer()
	var p problems
	count := 0
	kinds := map[string]int{}
	for _, in := range inputs {
		for i, doc := range splitDocuments(in.data) {
			if len(bytes.TrimSpace(stripComments(doc))) == 0 {
				continue
			}
			where := fmt.Sprintf("%s#%d", in.name, i)
			if m := sourceRe.FindSubmatch(doc); m != nil {
				where = string(m[1])
			}
			jsonDoc, err := yaml.YAMLToJSONStrict(doc)
			if err != nil {
				p.add(where, "not valid YAML: %v", err)
				continue
			}
			obj, gvk, err := decoder.Decode(jsonDoc, nil, nil)
			if err != nil {
				p.add(where, "%v", err)
				continue
			}
			count++
			kinds[gvk.Kind]++
			where = fmt.Sprintf("%s %s (%s)", gvk.Kind, nameOf(obj), where)
			checkObject(&p, where, obj)
		}
	}
	if len(p.list) > 0 {
		for _, l := range p.list {
			fmt.Println(l)
		}
		fmt.Printf("%d problem(s) in %d object(s)\n", len(p.list), count)
		os.Exit(1)
	}
	if count == 0 {
		fmt.Println("no Kubernetes objects found")
		os.Exit(1)
	}
	names := make([]string, 0, len(kinds))
	for k, n := range kinds {
		names = append(names, fmt.Sprintf("%s=%d", k, n))
	}
	sort.Strings(names)
	fmt.Printf("%d object(s) valid: %s\n", count, strings.Join(names, " "))
}

func splitDocuments(data []byte) [][]byte {
	var docs [][]byte
	var cur bytes.Buffer
	for _, line := range bytes.SplitAfter(data, []byte("\n")) {
		if t := bytes.TrimRight(line, "\r\n \t"); bytes.Equal(t, []byte("---")) {
			docs = append(docs, append([]byte(nil), cur.Bytes()...))
			cur.Reset()
			continue
		}
		cur.Write(line)
	}
	return append(docs, cur.Bytes())
}

func stripComments(doc []byte) []byte {
	var out bytes.Buffer
	for _, line := range bytes.Split(doc, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(line), []byte("#")) {
			out.Write(line)
			out.WriteByte('\n')
		}
	}
	return out.Bytes()
}

func nameOf(obj runtime.Object) string {
	if m, ok := obj.(metav1.Object); ok {
		return m.GetName()
	}
	return "?"
}

func checkObject(p *problems, where string, obj runtime.Object) {
	m, ok := obj.(metav1.Object)
	if !ok {
		p.add(where, "has no metadata")
		return
	}
	checkMeta(p, where, m, obj)
	switch o := obj.(type) {
	case *appsv1.Deployment:
		checkSelector(p, where, o.Spec.Selector, o.Spec.Template.Labels)
		checkPodSpec(p, where, &o.Spec.Template.Spec)
		if o.Spec.Replicas != nil && *o.Spec.Replicas < 0 {
			p.add(where, "spec.replicas must not be negative")
		}
	case *batchv1.Job:
		checkPodSpec(p, where, &o.Spec.Template.Spec)
		switch o.Spec.Template.Spec.RestartPolicy {
		case corev1.RestartPolicyNever, corev1.RestartPolicyOnFailure:
		default:
			p.add(where, "a Job's pod restartPolicy must be Never or OnFailure, got %q", o.Spec.Template.Spec.RestartPolicy)
		}
	case *corev1.Service:
		if errs := validation.IsDNS1035Label(o.Name); len(errs) > 0 {
			p.add(where, "Service name %q: %s", o.Name, strings.Join(errs, "; "))
		}
		if len(o.Spec.Ports) == 0 {
			p.add(where, "a Service needs at least one port")
		}
		for _, port := range o.Spec.Ports {
			checkPort(p, where, port.Port)
			if port.TargetPort.Type == intstr.String {
				if errs := validation.IsValidPortName(port.TargetPort.StrVal); len(errs) > 0 {
					p.add(where, "targetPort %q: %s", port.TargetPort.StrVal, strings.Join(errs, "; "))
				}
			}
		}
		checkLabels(p, where+" spec.selector", o.Spec.Selector)
	case *autoscalingv2.HorizontalPodAutoscaler:
		if o.Spec.ScaleTargetRef.Name == "" || o.Spec.ScaleTargetRef.Kind == "" {
			p.add(where, "scaleTargetRef needs kind and name")
		}
		if o.Spec.MinReplicas != nil && *o.Spec.MinReplicas > o.Spec.MaxReplicas {
			p.add(where, "minReplicas (%d) > maxReplicas (%d)", *o.Spec.MinReplicas, o.Spec.MaxReplicas)
		}
		if o.Spec.MaxReplicas < 1 {
			p.add(where, "maxReplicas must be at least 1")
		}
	case *policyv1.PodDisruptionBudget:
		if o.Spec.MinAvailable != nil && o.Spec.MaxUnavailable != nil {
			p.add(where, "minAvailable and maxUnavailable are mutually exclusive")
		}
		if o.Spec.Selector == nil {
			p.add(where, "a PodDisruptionBudget needs a selector")
		}
	case *networkingv1.NetworkPolicy:
		if _, err := metav1.LabelSelectorAsSelector(&o.Spec.PodSelector); err != nil {
			p.add(where, "podSelector: %v", err)
		}
		for _, t := range o.Spec.PolicyTypes {
			if t != networkingv1.PolicyTypeIngress && t != networkingv1.PolicyTypeEgress {
				p.add(where, "policyTypes: unknown %q", t)
			}
		}
	case *networkingv1.Ingress:
		for _, r := range o.Spec.Rules {
			if r.HTTP == nil {
				continue
			}
			for _, path := range r.HTTP.Paths {
				if path.PathType == nil {
					p.add(where, "path %q needs a pathType", path.Path)
				}
				if path.Backend.Service == nil || path.Backend.Service.Name == "" {
					p.add(where, "path %q needs a backend service", path.Path)
				}
				if !strings.HasPrefix(path.Path, "/") {
					p.add(where, "path %q must start with /", path.Path)
				}
			}
		}
	case *corev1.Secret:
		for k := range o.Data {
			if errs := validation.IsConfigMapKey(k); len(errs) > 0 {
				p.add(where, "key %q: %s", k, strings.Join(errs, "; "))
			}
		}
		for k := range o.StringData {
			if errs := validation.IsConfigMapKey(k); len(errs) > 0 {
				p.add(where, "key %q: %s", k, strings.Join(errs, "; "))
			}
		}
	case *corev1.ConfigMap:
		for k := range o.Data {
			if errs := validation.IsConfigMapKey(k); len(errs) > 0 {
				p.add(where, "key %q: %s", k, strings.Join(errs, "; "))
			}
		}
	case *monitoringv1.ServiceMonitor:
		if len(o.Spec.Endpoints) == 0 {
			p.add(where, "a ServiceMonitor needs at least one endpoint")
		}
		if _, err := metav1.LabelSelectorAsSelector(&o.Spec.Selector); err != nil {
			p.add(where, "selector: %v", err)
		}
	case *gatewayv1.HTTPRoute:
		if len(o.Spec.ParentRefs) == 0 {
			p.add(where, "an HTTPRoute needs at least one parentRef")
		}
		for _, r := range o.Spec.Rules {
			if len(r.BackendRefs) == 0 {
				p.add(where, "every HTTPRoute rule needs a backendRef")
			}
		}
	}
}

func checkMeta(p *problems, where string, m metav1.Object, obj runtime.Object) {
	if m.GetName() == "" {
		p.add(where, "metadata.name is required")
	} else if errs := validation.IsDNS1123Subdomain(m.GetName()); len(errs) > 0 {
		p.add(where, "metadata.name %q: %s", m.GetName(), strings.Join(errs, "; "))
	}
	if ns := m.GetNamespace(); ns != "" {
		if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
			p.add(where, "metadata.namespace %q: %s", ns, strings.Join(errs, "; "))
		}
	}
	checkLabels(p, where+" metadata.labels", m.GetLabels())
	checkAnnotations(p, where, m.GetAnnotations())
	if _, ok := obj.(*corev1.Namespace); ok {
		p.add(where, "a chart must not create Namespaces")
	}
}

func checkLabels(p *problems, where string, l map[string]string) {
	for k, v := range l {
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			p.add(where, "label key %q: %s", k, strings.Join(errs, "; "))
		}
		if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
			p.add(where, "label %s value %q: %s", k, v, strings.Join(errs, "; "))
		}
	}
}

func checkAnnotations(p *problems, where string, a map[string]string) {
	total := 0
	for k, v := range a {
		total += len(k) + len(v)
		if errs := validation.IsQualifiedName(strings.ToLower(k)); len(errs) > 0 {
			p.add(where, "annotation key %q: %s", k, strings.Join(errs, "; "))
		}
	}
	if total > 256*1024 {
		p.add(where, "annotations exceed 256 KiB")
	}
}

func checkSelector(p *problems, where string, sel *metav1.LabelSelector, templateLabels map[string]string) {
	if sel == nil {
		p.add(where, "spec.selector is required")
		return
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		p.add(where, "spec.selector: %v", err)
		return
	}
	if s.Empty() {
		p.add(where, "spec.selector must not be empty")
	}
	if !s.Matches(labels.Set(templateLabels)) {
		p.add(where, "spec.selector %s does not match the pod template labels %v", s, templateLabels)
	}
	checkLabels(p, where+" pod template labels", templateLabels)
}

func checkPort(p *problems, where string, port int32) {
	if port < 1 || port > 65535 {
		p.add(where, "port %d out of range", port)
	}
}

func checkPodSpec(p *problems, where string, spec *corev1.PodSpec) {
	volumes := map[string]bool{}
	for _, v := range spec.Volumes {
		if volumes[v.Name] {
			p.add(where, "duplicate volume %q", v.Name)
		}
		volumes[v.Name] = true
		if errs := validation.IsDNS1123Label(v.Name); len(errs) > 0 {
			p.add(where, "volume name %q: %s", v.Name, strings.Join(errs, "; "))
		}
	}
	if len(spec.Containers) == 0 {
		p.add(where, "a pod needs at least one container")
	}
	all := append(append([]corev1.Container{}, spec.InitContainers...), spec.Containers...)
	seen := map[string]bool{}
	for _, c := range all {
		cw := fmt.Sprintf("%s container %q", where, c.Name)
		if c.Name == "" {
			p.add(where, "a container needs a name")
		} else if errs := validation.IsDNS1123Label(c.Name); len(errs) > 0 {
			p.add(cw, "name: %s", strings.Join(errs, "; "))
		}
		if seen[c.Name] {
			p.add(cw, "duplicate container name")
		}
		seen[c.Name] = true
		if c.Image == "" {
			p.add(cw, "image is required")
		} else if strings.ContainsAny(c.Image, " \t") {
			p.add(cw, "image %q contains whitespace", c.Image)
		}
		ports := map[string]int32{}
		for _, port := range c.Ports {
			checkPort(p, cw, port.ContainerPort)
			if port.Name != "" {
				if errs := validation.IsValidPortName(port.Name); len(errs) > 0 {
					p.add(cw, "port name %q: %s", port.Name, strings.Join(errs, "; "))
				}
				ports[port.Name] = port.ContainerPort
			}
		}
		for kind, probe := range map[string]*corev1.Probe{"livenessProbe": c.LivenessProbe, "readinessProbe": c.ReadinessProbe, "startupProbe": c.StartupProbe} {
			if probe == nil {
				continue
			}
			if probe.HTTPGet != nil {
				if probe.HTTPGet.Port.Type == intstr.String {
					if _, ok := ports[probe.HTTPGet.Port.StrVal]; !ok {
						p.add(cw, "%s uses port %q, which the container does not declare", kind, probe.HTTPGet.Port.StrVal)
					}
				}
				if !strings.HasPrefix(probe.HTTPGet.Path, "/") {
					p.add(cw, "%s path %q must start with /", kind, probe.HTTPGet.Path)
				}
			} else if probe.Exec == nil && probe.TCPSocket == nil && probe.GRPC == nil {
				p.add(cw, "%s has no handler", kind)
			}
		}
		envs := map[string]bool{}
		for _, e := range c.Env {
			if errs := validation.IsEnvVarName(e.Name); len(errs) > 0 {
				p.add(cw, "env %q: %s", e.Name, strings.Join(errs, "; "))
			}
			if envs[e.Name] {
				p.add(cw, "env %q is set twice", e.Name)
			}
			envs[e.Name] = true
			if e.ValueFrom != nil {
				if e.Value != "" {
					p.add(cw, "env %q has both value and valueFrom", e.Name)
				}
				if r := e.ValueFrom.SecretKeyRef; r != nil && (r.Name == "" || r.Key == "") {
					p.add(cw, "env %q secretKeyRef needs name and key", e.Name)
				}
				if r := e.ValueFrom.ConfigMapKeyRef; r != nil && (r.Name == "" || r.Key == "") {
					p.add(cw, "env %q configMapKeyRef needs name and key", e.Name)
				}
			}
		}
		for _, ef := range c.EnvFrom {
			if ef.SecretRef != nil && ef.SecretRef.Name == "" {
				p.add(cw, "envFrom secretRef needs a name")
			}
			if ef.ConfigMapRef != nil && ef.ConfigMapRef.Name == "" {
				p.add(cw, "envFrom configMapRef needs a name")
			}
		}
		for _, vm := range c.VolumeMounts {
			if !volumes[vm.Name] {
				p.add(cw, "volumeMount %q refers to no volume of the pod", vm.Name)
			}
			if !strings.HasPrefix(vm.MountPath, "/") {
				p.add(cw, "volumeMount %q mountPath %q must be absolute", vm.Name, vm.MountPath)
			}
		}
		for name, q := range c.Resources.Requests {
			if l, ok := c.Resources.Limits[name]; ok && q.Cmp(l) > 0 {
				p.add(cw, "resources.requests.%s (%s) exceeds the limit (%s)", name, q.String(), l.String())
			}
		}
	}
	for _, tsc := range spec.TopologySpreadConstraints {
		if tsc.MaxSkew < 1 {
			p.add(where, "topologySpreadConstraints maxSkew must be at least 1")
		}
		if tsc.TopologyKey == "" {
			p.add(where, "topologySpreadConstraints need a topologyKey")
		}
	}
	_ = errors.New
}
