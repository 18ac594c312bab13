import Foundation
import Testing

/// Static checks of the deployment files under `deploy/` (issue 13 items 3–4): no
/// Docker engine or Kubernetes cluster runs on the development machine or in CI, so the
/// files are checked against the processor itself instead:
///
/// - every YAML file parses (PyYAML through `python3`: no YAML library is a package dependency);
/// - the Grafana dashboard is JSON and every `streamproc_*` name in its queries is one
///   that a running processor exports on `/metrics` (the debug binary, embedded mode);
/// - every `STREAMPROC_*` variable and `--flag` in `deploy/` is one of `streamproc run --help`
///   (flags of other tools named in the files are listed in ``DeployFiles/otherToolFlags``);
/// - ports and paths agree with the binary's defaults and endpoints (8080, `/healthz`,
///   `/readyz`, `/metrics`);
/// - replicas, CPU and partitions agree with `bench plan` on the checked-in bench run.
///
/// Needs `swift build --build-tests` (the `streamproc` and `bench` debug binaries),
/// `python3` with PyYAML (Debian `python3-yaml`) and `curl`.
@Suite("Deployment files (deploy/)")
struct DeployFilesTests {
    @Test("every YAML file under deploy/ parses")
    func yamlParses() async throws {
        let python = try await DeployFiles.pythonWithYAML()
        let files = DeployFiles.files(withExtensions: ["yaml", "yml"])
        // compose, prometheus, 2 Grafana provisioning files, 7 Kubernetes manifests at least.
        #expect(files.count >= 11, "found only \(files)")
        for required in ["compose.yaml", "prometheus.yml", "k8s/deployment.yaml", "k8s/configmap.yaml",
                         "k8s/secret.yaml", "k8s/service.yaml", "k8s/pdb.yaml",
                         "grafana/provisioning/datasources/prometheus.yaml",
                         "grafana/provisioning/dashboards/streamproc.yaml"] {
            #expect(files.contains(DeployFiles.deployDir + "/" + required), "deploy/\(required) is missing")
        }
        for file in files {
            let out = try await DeployFiles.run(python, ["-c", "import yaml,sys; list(yaml.safe_load_all(open(sys.argv[1])))", file],
                                                check: false)
            #expect(out.status == 0, "\(file) does not parse as YAML: \(out.stderr)")
        }
    }

    @Test("the Grafana dashboard is JSON and queries only metrics the processor exports; the endpoints answer")
    func dashboardMetricsExist() async throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: DeployFiles.deployDir + "/grafana/streamproc.json"))
        let dashboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(dashboard["uid"] as? String == "streamproc")
        let expressions = DeployFiles.strings(forKeys: ["expr", "definition"], in: dashboard)
        let used = Set(expressions.flatMap { DeployFiles.matches(of: #"streamproc_[a-z0-9_]+"#, in: $0) })
        // The panels the operations team asked for (issue 13): each metric family is queried.
        for family in ["streamproc_events_total", "streamproc_consumer_lag", "streamproc_watermark_seconds",
                       "streamproc_verify_latency_seconds_bucket", "streamproc_late_events_total",
                       "streamproc_unattributed_total", "streamproc_store_commit_latency_seconds_bucket",
                       "streamproc_store_up", "streamproc_resident_memory_bytes", "streamproc_heap_in_use_bytes"] {
            #expect(used.contains(family), "no panel queries \(family)")
        }

        let exported = try await DeployFiles.withEmbeddedProcessor { hostPort in
            let metrics = try await DeployFiles.waitForMetrics(hostPort)
            // The probes and the scrape path of deploy/ must exist on the running binary.
            for path in ["/healthz", "/readyz", "/metrics"] {
                let status = try await DeployFiles.waitForStatus200(hostPort, path, timeoutS: 60)
                #expect(status == 200, "GET \(path) answered \(status), deploy/ probes or scrapes it")
            }
            return metrics
        }
        let names = DeployFiles.sampleNames(inExposition: exported)
        #expect(names.count > 10, "too few metrics exported: \(names.sorted())")
        for name in used.sorted() {
            #expect(names.contains(name), "the dashboard queries \(name), which streamproc does not export")
        }
    }

    @Test("every STREAMPROC_ variable and flag in deploy/ exists in `streamproc run --help`")
    func variablesAndFlagsExist() async throws {
        let help = try await DeployFiles.run(DeployFiles.binary("streamproc"), ["run", "--help"]).stdout
        let flags = Set(DeployFiles.matches(of: #"--[a-z][a-z0-9-]*"#, in: help).map { String($0.dropFirst(2)) })
        #expect(flags.contains("brokers") && flags.contains("store"), "unexpected help text: \(help)")
        let variables = Set(flags.map { "STREAMPROC_" + $0.uppercased().replacingOccurrences(of: "-", with: "_") })
        // Flags of this project's other tool that deploy/ uses (compose's loadgen, comments).
        var benchFlags: Set<String> = []
        for sub in ["produce", "generate", "plan", "run"] {
            let text = try await DeployFiles.run(DeployFiles.binary("bench"), [sub, "--help"]).stdout
            benchFlags.formUnion(DeployFiles.matches(of: #"--[a-z][a-z0-9-]*"#, in: text).map { String($0.dropFirst(2)) })
        }

        var missingVariables: [String: Set<String>] = [:]
        var missingFlags: [String: Set<String>] = [:]
        let files = DeployFiles.files(withExtensions: nil)
        #expect(files.count >= 14)
        for file in files {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            let name = String(file.dropFirst(DeployFiles.repoRoot.count + 1))
            for v in DeployFiles.matches(of: #"STREAMPROC_[A-Z0-9_]+"#, in: text) where !variables.contains(v) {
                missingVariables[v, default: []].insert(name)
            }
            for f in DeployFiles.matches(of: #"(?<![A-Za-z0-9-])--[a-z](?:[a-z0-9.-]*[a-z0-9])?"#, in: text) {
                let flag = String(f.dropFirst(2))
                if flags.contains(flag) || benchFlags.contains(flag) || DeployFiles.otherToolFlags.contains(flag) { continue }
                missingFlags[flag, default: []].insert(name)
            }
        }
        #expect(missingVariables.isEmpty,
                "variables not in `streamproc run --help`: \(missingVariables.map { "\($0.key) (\($0.value.sorted().joined(separator: ", ")))" }.sorted())")
        #expect(missingFlags.isEmpty,
                "flags not in `streamproc run --help`: \(missingFlags.map { "--\($0.key) (\($0.value.sorted().joined(separator: ", ")))" }.sorted())")
    }

    @Test("ports, probe paths and the scrape path agree with the defaults (8080, /healthz, /readyz, /metrics)")
    func portsAndPaths() async throws {
        let help = try await DeployFiles.run(DeployFiles.binary("streamproc"), ["run", "--help"]).stdout
        let flat = help.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let defaultHTTP = try #require(DeployFiles.matches(of: #"Default [0-9.]+:[0-9]+"#, in: flat).first)
        #expect(defaultHTTP.hasSuffix(":8080"), "the binary's default HTTP address is \(defaultHTTP)")

        // Dockerfile
        let dockerfile = try String(contentsOfFile: DeployFiles.deployDir + "/Dockerfile", encoding: .utf8)
        let lines = dockerfile.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(lines.contains("EXPOSE 8080"))
        #expect(lines.contains("ENV STREAMPROC_HTTP=0.0.0.0:8080"))
        #expect(lines.contains(#"ENTRYPOINT ["streamproc", "run"]"#))
        #expect(lines.contains("USER 10001:10001"))
        #expect(dockerfile.contains("GET /healthz HTTP/1.0"))
        #expect(lines.contains { $0.hasPrefix("FROM debian:bookworm-slim") || $0 == "ARG RUNTIME_IMAGE=debian:bookworm-slim" })

        // Kubernetes
        let deployment = try #require(try await DeployFiles.yamlDocuments("k8s/deployment.yaml").first)
        let spec = try #require(deployment["spec"] as? [String: Any])
        let podTemplate = try #require(spec["template"] as? [String: Any])
        let annotations = try #require((podTemplate["metadata"] as? [String: Any])?["annotations"] as? [String: Any])
        #expect(annotations["prometheus.io/port"] as? String == "8080")
        #expect(annotations["prometheus.io/path"] as? String == "/metrics")
        let container = try #require(((podTemplate["spec"] as? [String: Any])?["containers"] as? [[String: Any]])?.first)
        let ports = try #require(container["ports"] as? [[String: Any]])
        #expect(ports.contains { $0["containerPort"] as? Int == 8080 && $0["name"] as? String == "http" })
        func probePath(_ key: String) -> String? {
            ((container[key] as? [String: Any])?["httpGet"] as? [String: Any])?["path"] as? String
        }
        #expect(probePath("livenessProbe") == "/healthz")
        #expect(probePath("readinessProbe") == "/readyz")
        #expect(probePath("startupProbe") == "/healthz")
        let configMap = try #require(try await DeployFiles.yamlDocuments("k8s/configmap.yaml").first?["data"] as? [String: Any])
        #expect(configMap["STREAMPROC_HTTP"] as? String == "0.0.0.0:8080")
        let service = try #require(try await DeployFiles.yamlDocuments("k8s/service.yaml").first?["spec"] as? [String: Any])
        let servicePorts = try #require(service["ports"] as? [[String: Any]])
        #expect(servicePorts.contains { $0["port"] as? Int == 8080 && $0["targetPort"] as? String == "http" })

        // Compose and Prometheus
        let compose = try #require(try await DeployFiles.yamlDocuments("compose.yaml").first)
        let services = try #require(compose["services"] as? [String: Any])
        let processors = services.filter { $0.key.hasPrefix("streamproc-") }
        #expect(processors.count >= 2, "compose runs \(processors.count) streamproc instances")
        var ids: Set<String> = []
        for (name, value) in processors {
            let service = try #require(value as? [String: Any])
            let env = try #require(service["environment"] as? [String: Any])
            #expect(env["STREAMPROC_HTTP"] as? String == "0.0.0.0:8080", "\(name)")
            #expect(env["STREAMPROC_GROUP"] as? String == "streamproc", "\(name): one consumer group")
            #expect((env["STREAMPROC_STORE"] as? String)?.hasPrefix("postgres://") == true, "\(name)")
            ids.insert(env["STREAMPROC_PROCESSOR_ID"] as? String ?? "")
            let published = (service["ports"] as? [String]) ?? []
            #expect(published.count == 1 && published.allSatisfy { $0.hasSuffix(":8080") }, "\(name): \(published)")
        }
        #expect(ids.count == processors.count && !ids.contains(""), "processor ids must differ: \(ids)")
        let prometheus = try #require(try await DeployFiles.yamlDocuments("prometheus.yml").first)
        let job = try #require((prometheus["scrape_configs"] as? [[String: Any]])?.first)
        #expect(job["metrics_path"] as? String == "/metrics")
        let targets = ((job["static_configs"] as? [[String: Any]])?.first?["targets"] as? [String]) ?? []
        #expect(Set(targets) == Set(processors.keys.map { "\($0):8080" }), "Prometheus scrapes \(targets)")
    }

    @Test("replicas, CPU, workers and partitions follow `bench plan` for 20 000 events/s")
    func sizingFollowsBenchPlan() async throws {
        let out = try await DeployFiles.run(DeployFiles.binary("bench"),
                                            ["plan", "--from", DeployFiles.repoRoot + "/bench-notes/bench-run-2026-12-02d-store.json",
                                             "--target-events-per-s", "20000", "--json"])
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        let instances = try #require(plan["instances_with_spare"] as? Int)
        let cores = try #require(plan["cores_per_instance"] as? Int)
        let partitions = try #require(plan["recommended_partitions"] as? Int)

        let deployment = try #require(try await DeployFiles.yamlDocuments("k8s/deployment.yaml").first)
        let spec = try #require(deployment["spec"] as? [String: Any])
        #expect(spec["replicas"] as? Int == instances)
        let container = try #require((((spec["template"] as? [String: Any])?["spec"] as? [String: Any])?["containers"] as? [[String: Any]])?.first)
        let resources = try #require(container["resources"] as? [String: Any])
        #expect((resources["limits"] as? [String: Any])?["cpu"] as? String == "\(cores)")
        #expect((resources["requests"] as? [String: Any])?["cpu"] as? String == "\(cores)")
        let configMap = try #require(try await DeployFiles.yamlDocuments("k8s/configmap.yaml").first?["data"] as? [String: Any])
        #expect(configMap["STREAMPROC_WORKERS"] as? String == "\(cores)")
        let pdb = try #require(try await DeployFiles.yamlDocuments("k8s/pdb.yaml").first?["spec"] as? [String: Any])
        let spare = instances - (plan["instances"] as? Int ?? instances)
        #expect(pdb["maxUnavailable"] as? Int == spare, "the PDB may take down the spare instances only")

        let compose = try String(contentsOfFile: DeployFiles.deployDir + "/compose.yaml", encoding: .utf8)
        #expect(compose.contains("create ykm.scans \(partitions)\n"), "the input topic must get \(partitions) partitions")
        #expect(compose.contains("partitions: at least \(plan["min_partitions"] as? Int ?? -1); recommended \(partitions)"),
                "compose.yaml must quote the plan it follows")
    }
}

/// Paths, subprocesses and text helpers of ``DeployFilesTests``.
private enum DeployFiles {
    /// `<repo>` from this file's path (`<repo>/Tests/StreamProcTests/DeployFilesTests.swift`).
    static let repoRoot: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    static var deployDir: String { repoRoot + "/deploy" }

    /// Flags of third-party tools that deploy/ invokes or documents (not streamproc's).
    static let otherToolFlags: Set<String> = [
        // swift build
        "static-swift-stdlib", "product", "show-bin-path",
        // apt-get, groupadd/useradd
        "no-install-recommends", "system", "gid", "uid", "home-dir", "no-create-home", "shell",
        // Dockerfile HEALTHCHECK and COPY
        "interval", "timeout", "start-period", "retries", "from",
        // kafka-topics.sh, kafka-broker-api-versions.sh
        "bootstrap-server", "create", "if-not-exists", "topic", "partitions", "replication-factor", "describe",
        // prometheus
        "config.file", "storage.tsdb.retention.time",
        // docker compose, kubectl
        "profile", "build", "from-file", "from-literal",
    ]

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Result of a finished command.
    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// `.build/debug/<name>`. Throws ``Failure`` naming the build command when it is missing.
    static func binary(_ name: String) throws -> String {
        let path = repoRoot + "/.build/debug/\(name)"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw Failure(description: "\(path) is missing: run `swift build --build-tests` in \(repoRoot)")
        }
        return path
    }

    /// Every regular file under deploy/, recursively, sorted; only the given extensions unless nil.
    static func files(withExtensions extensions: Set<String>?) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: deployDir)
        var found: [String] = []
        while let relative = enumerator?.nextObject() as? String {
            let path = deployDir + "/" + relative
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            if relative.split(separator: "/").contains(where: { $0.hasPrefix(".") || $0 == "secrets" }) { continue }
            if let extensions, !extensions.contains(URL(fileURLWithPath: path).pathExtension) { continue }
            found.append(path)
        }
        return found.sorted()
    }

    /// A `python3` that can `import yaml`: Debian's `/usr/bin/python3` first (package
    /// `python3-yaml`), then the one on PATH. Throws ``Failure`` saying how to install PyYAML.
    static func pythonWithYAML() async throws -> String {
        for candidate in ["/usr/bin/python3", "/usr/local/bin/python3"] where FileManager.default.isExecutableFile(atPath: candidate) {
            if (try? await run(candidate, ["-c", "import yaml"], check: false))?.status == 0 { return candidate }
        }
        if (try? await run("/usr/bin/env", ["python3", "-c", "import yaml"], check: false))?.status == 0 {
            return try await run("/usr/bin/env", ["python3", "-c", "import sys; print(sys.executable)"])
                .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        throw Failure(description: "python3 with PyYAML is needed to parse deploy/*.yaml: `apt-get install python3-yaml` (Debian) or `pip install pyyaml`")
    }

    /// The documents of `deploy/<relative>` as JSON objects (PyYAML → JSON → Foundation).
    static func yamlDocuments(_ relative: String) async throws -> [[String: Any]] {
        let python = try await pythonWithYAML()
        let out = try await run(python, ["-c", "import yaml,json,sys; print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))",
                                         deployDir + "/" + relative])
        let value = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8))
        return (value as? [Any] ?? []).compactMap { $0 as? [String: Any] }
    }

    /// Runs `exe args` to completion with a time limit (output through temporary files).
    /// Throws ``Failure`` on timeout, or when `check` and the exit status is not 0.
    static func run(_ exe: String, _ args: [String], timeoutS: Double = 60, check: Bool = true) async throws -> Output {
        let base = NSTemporaryDirectory() + "deploy-test-\(UInt64.random(in: 0...UInt64.max))"
        let outPath = base + ".out", errPath = base + ".err"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: exe)
        process.arguments = args
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeoutS)
        while process.isRunning {
            if Date() > deadline {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                throw Failure(description: "timed out after \(timeoutS) s: \(exe) \(args.joined(separator: " "))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.waitUntilExit()
        try? out.close()
        try? err.close()
        let result = Output(status: process.terminationStatus,
                            stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
        if check && result.status != 0 {
            throw Failure(description: "\(exe) \(args.joined(separator: " ")) exited \(result.status): \(result.stderr.prefix(2000))")
        }
        return result
    }

    /// Starts `streamproc run` in embedded mode (mock cluster, demo load) on a free loopback
    /// port, runs `body` with `127.0.0.1:<port>`, then stops it: SIGINT, SIGKILL after 20 s.
    static func withEmbeddedProcessor<T>(_ body: (String) async throws -> T) async throws -> T {
        let port = try freePort()
        let hostPort = "127.0.0.1:\(port)"
        let logPath = NSTemporaryDirectory() + "deploy-test-streamproc-\(port).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try binary("streamproc"))
        process.arguments = ["run", "--http", hostPort, "--summary-s", "0", "--load-rate", "200"]
        var environment = ProcessInfo.processInfo.environment
        for key in environment.keys where key.hasPrefix("STREAMPROC_") { environment[key] = nil }
        process.environment = environment
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        defer {
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            try? log.close()
            try? FileManager.default.removeItem(atPath: logPath)
        }
        do {
            let result = try await body(hostPort)
            kill(process.processIdentifier, SIGINT)
            let deadline = Date().addingTimeInterval(20)
            while process.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
            return result
        } catch {
            let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            throw Failure(description: "\(error)\nstreamproc log (tail):\n\(text.suffix(3000))")
        }
    }

    /// GET `http://<hostPort><path>` with curl (2 s limit): status (0 when unreachable) and body.
    static func get(_ hostPort: String, _ path: String) async -> (status: Int, body: String) {
        guard let out = try? await run("/usr/bin/curl", ["-s", "--max-time", "2", "-w", "\n%{http_code}", "http://\(hostPort)\(path)"],
                                       timeoutS: 5, check: false) else { return (0, "") }
        guard let newline = out.stdout.lastIndex(of: "\n") else { return (0, "") }
        return (Int(out.stdout[out.stdout.index(after: newline)...]) ?? 0, String(out.stdout[..<newline]))
    }

    /// Polls `/metrics` until it lists `streamproc_store_up` and per-partition gauges (up to 90 s).
    static func waitForMetrics(_ hostPort: String) async throws -> String {
        let deadline = Date().addingTimeInterval(90)
        var last = (status: 0, body: "")
        while Date() < deadline {
            last = await get(hostPort, "/metrics")
            if last.status == 200, last.body.contains("streamproc_store_up"), last.body.contains("streamproc_consumer_lag{"),
               last.body.contains("streamproc_watermark_seconds{") {
                return last.body
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        throw Failure(description: "GET /metrics on \(hostPort) did not list the pipeline's metrics within 90 s (last status \(last.status))")
    }

    /// Polls GET `path` until it answers 200 or `timeoutS` passes; returns the last status.
    static func waitForStatus200(_ hostPort: String, _ path: String, timeoutS: Double) async throws -> Int {
        let deadline = Date().addingTimeInterval(timeoutS)
        var status = 0
        repeat {
            status = await get(hostPort, path).status
            if status == 200 { return status }
            try await Task.sleep(for: .milliseconds(500))
        } while Date() < deadline
        return status
    }

    /// Sample names in a Prometheus text exposition (`name{labels} value` or `name value`).
    static func sampleNames(inExposition text: String) -> Set<String> {
        var names: Set<String> = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let name = line.prefix { $0 != "{" && $0 != " " }
            if !name.isEmpty { names.insert(String(name)) }
        }
        return names
    }

    /// All string values stored under one of `keys`, anywhere in a JSON value.
    static func strings(forKeys keys: Set<String>, in value: Any) -> [String] {
        if let object = value as? [String: Any] {
            return object.flatMap { key, child -> [String] in
                if keys.contains(key), let s = child as? String { return [s] }
                return strings(forKeys: keys, in: child)
            }
        }
        if let array = value as? [Any] { return array.flatMap { strings(forKeys: keys, in: $0) } }
        return []
    }

    /// Every match of `pattern` in `text`, in order.
    static func matches(of pattern: String, in text: String) -> [String] {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        let ns = text as NSString
        return regex.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range) }
    }

    /// A free loopback TCP port (bound, then released).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw Failure(description: "bind() failed") }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw Failure(description: "getsockname() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
