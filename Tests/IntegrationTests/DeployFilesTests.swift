import Foundation
import Testing
import TestSupport

/// The Dockerfile, deploy/compose.yaml and the Kubernetes manifests agree with what
/// the built binary really accepts: its name, its subcommands, its RECEIPTD_*
/// variables, its probe paths and port, and its shutdown deadline.
@Suite("deploy files match the binary")
struct DeployFilesTests {
    static let eventsTopic = "im.receipt.events"
    /// `receiptd run`'s default, when a file leaves RECEIPTD_SHUTDOWN_TIMEOUT_SECONDS unset.
    static let defaultShutdownSeconds = 30

    @Test("every YAML file in deploy/ parses, and every Kubernetes object names its kind")
    func everyYAMLFileParses() throws {
        let files = try DeployFiles.load()
        let names = try DeployFiles.fileNames().filter { $0.hasSuffix(".yaml") }
        #expect(Set(files.yaml.keys) == Set(names))
        #expect(names.contains("compose.yaml") && names.contains("keda-scaledobject.yaml"))
        for (name, documents) in files.yaml {
            #expect(!documents.isEmpty && !documents.contains(.null), "\(name) has an empty document")
            guard !name.hasPrefix("compose") else { continue }  // compose files, not Kubernetes objects
            for document in documents {
                #expect(document["apiVersion"]?.stringValue != nil && document["kind"]?.stringValue != nil,
                        "\(name): an object without apiVersion or kind")
            }
        }
        let kustomization = try files.kubernetes("Kustomization")
        for resource in kustomization["resources"]?.array ?? [] {
            #expect(names.contains(resource.stringValue ?? ""), "kustomization.yaml lists a missing \(resource)")
        }
    }

    @Test("every RECEIPTD_* variable named in deploy/ and the Dockerfile is one the binary reads")
    func everyVariableIsKnownToTheBinary() throws {
        let known = try ReceiptdCommand.environmentVariables()
        #expect(known.contains("RECEIPTD_BROKERS") && known.contains("RECEIPTD_KAFKA_"))
        var texts = ["Dockerfile": try DeployFiles.text("Dockerfile", inRepository: true)]
        for name in try DeployFiles.fileNames() { texts[name] = try DeployFiles.text(name) }
        for (file, text) in texts {
            for name in ReceiptdCommand.variableNames(in: text) {
                #expect(known.contains(name) || name.hasPrefix("RECEIPTD_KAFKA_"),
                        "\(file) names \(name), which `receiptd run --help` and `receiptd migrate --help` do not")
            }
        }
        // Names that do not even start with RECEIPTD_ (a typo) escape the scan above.
        let files = try DeployFiles.load()
        var given: [String] = []
        for service in try receiptdServices(files).values { given += service["environment"]?.keys ?? [] }
        for container in try receiptdContainers(files) {
            given += container["env"]?.array.compactMap { $0["name"]?.stringValue } ?? []
        }
        given += try files.kubernetes("ConfigMap")["data"]?.keys ?? []
        given += try files.kubernetes("Secret")["stringData"]?.keys ?? []
        for name in given {
            #expect(known.contains(name) || name.hasPrefix("RECEIPTD_KAFKA_"), "receiptd is given \(name), which it does not read")
        }
    }

    @Test("the image runs the `receiptd` product, and every container an existing subcommand")
    func containersRunExistingSubcommands() throws {
        let subcommands = try ReceiptdCommand.subcommands()
        #expect(subcommands.isSuperset(of: ["run", "migrate"]))
        let manifest = try DeployFiles.text("Package.swift", inRepository: true)
        #expect(manifest.contains(#".executable(name: "receiptd""#), "Package.swift's product is no longer receiptd")

        let dockerfile = try Dockerfile.load()
        #expect(try dockerfile.execForm("ENTRYPOINT") == ["receiptd"])
        #expect(subcommands.contains(try dockerfile.execForm("CMD").first ?? ""))
        #expect(dockerfile.all("COPY").contains { $0.hasSuffix("/usr/local/bin/receiptd") },
                "the image does not install the binary as /usr/local/bin/receiptd")
        let user = dockerfile.all("USER").last ?? "root"
        #expect(!["root", "0", "0:0"].contains(user), "the image runs as root")

        let files = try DeployFiles.load()
        let services = try receiptdServices(files)
        #expect(services.count == 4, "compose: the migrate service and three replicas")
        for (name, service) in services {
            #expect(service["entrypoint"] == nil, "compose \(name) replaces the receiptd entrypoint")
            #expect(subcommands.contains(service["command"]?.array.first?.stringValue ?? ""), "compose \(name)")
        }
        let containers = try receiptdContainers(files)
        #expect(containers.count == 2, "Kubernetes: the migrate init container and the worker")
        for container in containers {
            let command = container["command"]?.array.compactMap(\.stringValue)
            #expect(command == nil || command == ["receiptd"], "\(container["name"]?.stringValue ?? "?") replaces the entrypoint")
            #expect(subcommands.contains(container["args"]?.array.first?.stringValue ?? ""))
        }
        let initContainers = try deploymentPod(files)["initContainers"]?.array ?? []
        #expect(initContainers.map { $0["args"]?.array.compactMap(\.stringValue) } == [["migrate"]])
    }

    @Test("Kubernetes probes /healthz and /readyz on RECEIPTD_HTTP_PORT, and the Service reaches it")
    func kubernetesProbesAndPortsMatchTheHTTPPort() throws {
        let files = try DeployFiles.load()
        let worker = try workerContainer(files)
        let port = try #require(try environment(of: worker, files)["RECEIPTD_HTTP_PORT"].flatMap { Int($0) })
        let ports = worker["ports"]?.array ?? []
        #expect(ports.map { $0["containerPort"]?.int } == [port])
        let portName = ports.first?["name"]?.stringValue
        for (probe, path) in [("startupProbe", "/healthz"), ("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")] {
            let get = worker[probe]?["httpGet"]
            #expect(get?["path"]?.stringValue == path, "\(probe)")
            let target = get?["port"]
            #expect(target?.int == port || (target?.stringValue != nil && target?.stringValue == portName), "\(probe) port")
        }
        let service = try files.kubernetes("Service")
        for entry in service["spec"]?["ports"]?.array ?? [] {
            #expect(entry["port"]?.int == port)
            let target = entry["targetPort"]
            #expect(target?.int == port || (target?.stringValue != nil && target?.stringValue == portName))
        }
        let annotations = try deploymentPodTemplate(files)["metadata"]?["annotations"]
        #expect(annotations?["prometheus.io/port"]?.int == port)
        #expect(annotations?["prometheus.io/path"]?.stringValue == "/metrics")
    }

    @Test("the image and compose check /healthz on RECEIPTD_HTTP_PORT")
    func imageAndComposeHealthchecksMatchTheHTTPPort() throws {
        let dockerfile = try Dockerfile.load()
        let exposed = dockerfile.all("EXPOSE")
        let imagePort = try #require(dockerfile.all("ENV").compactMap { value(of: "RECEIPTD_HTTP_PORT", inEnv: $0) }.last)
        #expect(exposed == [imagePort])
        let healthcheck = try #require(dockerfile.all("HEALTHCHECK").last)
        #expect(healthcheck.contains("/healthz") && healthcheck.contains("${RECEIPTD_HTTP_PORT:-\(imagePort)}"))

        let files = try DeployFiles.load()
        for (name, service) in try receiptdServices(files) where service["command"]?.array.first?.stringValue == "run" {
            let port = try #require(service["environment"]?["RECEIPTD_HTTP_PORT"]?.text, "compose \(name)")
            let check = service["healthcheck"]?["test"]?.array.compactMap(\.stringValue).joined(separator: " ") ?? ""
            #expect(check.contains("/dev/tcp/127.0.0.1/\(port) ") && check.contains("GET /healthz "), "compose \(name): \(check)")
            let published = service["ports"]?.array.compactMap { $0.text?.split(separator: ":").last.map(String.init) }
            #expect(published == [port], "compose \(name) publishes another port")
        }
    }

    @Test("Kubernetes and compose wait longer than the shutdown deadline before SIGKILL")
    func gracePeriodsOutlastTheShutdownDeadline() throws {
        let files = try DeployFiles.load()
        let worker = try workerContainer(files)
        let deadline = try environment(of: worker, files)["RECEIPTD_SHUTDOWN_TIMEOUT_SECONDS"].flatMap { Int($0) }
            ?? Self.defaultShutdownSeconds
        let grace = try #require(try deploymentPod(files)["terminationGracePeriodSeconds"]?.int)
        #expect(grace > deadline, "terminationGracePeriodSeconds \(grace) ≤ shutdown deadline \(deadline)")

        for (name, service) in try receiptdServices(files) where service["command"]?.array.first?.stringValue == "run" {
            let deadline = service["environment"]?["RECEIPTD_SHUTDOWN_TIMEOUT_SECONDS"]?.int ?? Self.defaultShutdownSeconds
            let grace = try #require(seconds(service["stop_grace_period"]?.text), "compose \(name): stop_grace_period")
            #expect(grace > deadline, "compose \(name): stop_grace_period \(grace) s ≤ shutdown deadline \(deadline) s")
        }
    }

    @Test("compose runs three replicas of one group after Kafka (KRaft) has its topics and the schema is migrated")
    func composeRunsThreeReplicasOfOneGroup() throws {
        let files = try DeployFiles.load()
        let services = try files.composeServices()
        let replicas = try receiptdServices(files).filter { $0.value["command"]?.array.first?.stringValue == "run" }
        #expect(replicas.count == 3)
        let groups = Set(replicas.values.map { $0["environment"]?["RECEIPTD_GROUP"]?.text })
        #expect(groups.count == 1 && groups.first != nil, "replicas in different groups: \(groups)")
        for (name, replica) in replicas {
            let environment = replica["environment"]?.object ?? [:]
            for variable in ["RECEIPTD_BROKERS", "RECEIPTD_GROUP", "RECEIPTD_REDIS_URL", "RECEIPTD_POSTGRES_URL", "RECEIPTD_HTTP_PORT"] {
                #expect(environment[variable]?.text?.isEmpty == false, "compose \(name) lacks \(variable)")
            }
            let dependencies = replica["depends_on"]?.object ?? [:]
            #expect(dependencies["kafka-init"]?["condition"]?.stringValue == "service_completed_successfully")
            #expect(dependencies["migrate"]?["condition"]?.stringValue == "service_completed_successfully")
            for (dependency, entry) in dependencies {
                #expect(services[dependency] != nil && entry["condition"] != nil, "compose \(name) → \(dependency)")
            }
        }
        let kafka = try #require(services["kafka"])
        #expect(kafka["image"]?.stringValue?.hasPrefix("apache/kafka:") == true)
        #expect(kafka["environment"]?["KAFKA_PROCESS_ROLES"]?.stringValue?.contains("controller") == true, "not KRaft")
        #expect(try composeTopicPartitions(files) == [Self.eventsTopic: 8, "im.receipt.notify": 8, "im.receipt.events.dlq": 1])
        #expect(services["postgres"]?["image"]?.stringValue?.hasPrefix("postgres:15") == true)
        #expect(services["redis"]?["healthcheck"] != nil)
    }

    @Test("the cluster variant runs every replica on the six Redis Cluster nodes, after the cluster is made")
    func composeClusterVariantUsesEveryNode() throws {
        let files = try DeployFiles.load()
        let base = try files.composeServices()
        let cluster = try #require(files.yaml["compose.cluster.yaml"]?.first?["services"]?.object)
        let nodes = cluster.keys.filter { $0.hasPrefix("redis-") && $0 != "redis-cluster-init" }.sorted()
        #expect(nodes == (1...6).map { "redis-\($0)" })
        for node in nodes {
            let command = cluster[node]?["command"]?.array.compactMap(\.stringValue) ?? []
            #expect(command.contains("--cluster-enabled"), "\(node) is not a cluster node")
        }
        let replicas = base.keys.filter { $0.hasPrefix("receiptd-") }
        #expect(Set(replicas).isSubset(of: Set(cluster.keys)), "every replica of compose.yaml is made a cluster client")
        for name in replicas {
            let environment = cluster[name]?["environment"]?.object ?? [:]
            let seeds = environment["RECEIPTD_REDIS_CLUSTER_NODES"]?.text?.split(separator: ",").map { String($0) } ?? []
            #expect(seeds.map { $0.split(separator: ":")[0] }.map(String.init).sorted() == nodes, "\(name)")
            let dependencies = cluster[name]?["depends_on"]?.object ?? [:]
            #expect(dependencies["redis-cluster-init"]?["condition"]?.stringValue == "service_completed_successfully")
            for dependency in dependencies.keys {
                #expect(base[dependency] != nil || cluster[dependency] != nil, "\(name) → \(dependency)")
            }
        }
    }

    @Test("KEDA scales the Deployment on the lag of the ConfigMap's group on the events topic, up to its partitions")
    func kedaWatchesTheWorkersGroupAndTopic() throws {
        let files = try DeployFiles.load()
        let scaled = try files.kubernetes("ScaledObject")
        let settings = try files.kubernetes("ConfigMap")["data"]
        let deployment = try files.kubernetes("Deployment")
        #expect(scaled["spec"]?["scaleTargetRef"]?["name"] == deployment["metadata"]?["name"])
        let triggers = scaled["spec"]?["triggers"]?.array ?? []
        #expect(triggers.count == 1)
        let trigger = try #require(triggers.first)
        #expect(trigger["type"]?.stringValue == "kafka")
        let metadata = trigger["metadata"]
        #expect(metadata?["consumerGroup"]?.stringValue == settings?["RECEIPTD_GROUP"]?.stringValue)
        #expect(metadata?["topic"]?.stringValue == (settings?["RECEIPTD_EVENTS_TOPIC"]?.stringValue ?? Self.eventsTopic))
        #expect(metadata?["topic"]?.stringValue == Self.eventsTopic)
        #expect(metadata?["bootstrapServers"]?.stringValue == settings?["RECEIPTD_BROKERS"]?.stringValue)
        #expect((metadata?["lagThreshold"]?.int ?? 0) > 0)
        #expect(scaled["spec"]?["minReplicaCount"]?.int == 1)
        #expect(scaled["spec"]?["maxReplicaCount"]?.int == (try composeTopicPartitions(files)[Self.eventsTopic]))
    }

    // MARK: - Reading the files

    /// compose services that run the receiptd image (built from the Dockerfile).
    private func receiptdServices(_ files: DeployFiles) throws -> [String: JSONDocument] {
        try files.composeServices().filter { $0.value["image"]?.stringValue?.hasPrefix("receiptd") == true || $0.value["build"] != nil }
    }

    private func deploymentPodTemplate(_ files: DeployFiles) throws -> JSONDocument {
        try #require(try files.kubernetes("Deployment")["spec"]?["template"])
    }

    private func deploymentPod(_ files: DeployFiles) throws -> JSONDocument {
        try #require(try deploymentPodTemplate(files)["spec"])
    }

    /// The Deployment's init containers and containers that run the receiptd image.
    private func receiptdContainers(_ files: DeployFiles) throws -> [JSONDocument] {
        let pod = try deploymentPod(files)
        let all = (pod["initContainers"]?.array ?? []) + (pod["containers"]?.array ?? [])
        return all.filter { $0["image"]?.stringValue?.hasPrefix("receiptd") == true }
    }

    private func workerContainer(_ files: DeployFiles) throws -> JSONDocument {
        try #require(try deploymentPod(files)["containers"]?.array.first { $0["name"]?.stringValue == "receiptd" })
    }

    /// A container's literal `env` values over the ConfigMap it takes through envFrom.
    private func environment(of container: JSONDocument, _ files: DeployFiles) throws -> [String: String] {
        var result: [String: String] = [:]
        let configMap = try files.kubernetes("ConfigMap")
        for source in container["envFrom"]?.array ?? [] where source["configMapRef"]?["name"] == configMap["metadata"]?["name"] {
            for (key, value) in configMap["data"]?.object ?? [:] { result[key] = value.text }
        }
        for entry in container["env"]?.array ?? [] {
            if let name = entry["name"]?.stringValue, let value = entry["value"]?.text { result[name] = value }
        }
        return result
    }

    /// Topic → partitions, from the `--topic T --partitions N` lines of compose's kafka-init.
    private func composeTopicPartitions(_ files: DeployFiles) throws -> [String: Int] {
        let initService = try #require(try files.composeServices()["kafka-init"])
        let script = (initService["command"]?.array ?? []).compactMap(\.stringValue).joined(separator: "\n")
        let pattern = try NSRegularExpression(pattern: #"--topic\s+(\S+)\s+--partitions\s+(\d+)"#)
        var topics: [String: Int] = [:]
        for match in pattern.matches(in: script, range: NSRange(script.startIndex..., in: script)) {
            guard let topic = Range(match.range(at: 1), in: script), let count = Range(match.range(at: 2), in: script) else { continue }
            topics[String(script[topic])] = Int(script[count])
        }
        return topics
    }

    /// `NAME=value` (or `NAME value`) out of an ENV instruction.
    private func value(of name: String, inEnv arguments: String) -> String? {
        for part in arguments.split(separator: " ") where part.hasPrefix(name + "=") {
            return String(part.dropFirst(name.count + 1)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        let parts = arguments.split(separator: " ", maxSplits: 1)
        return parts.count == 2 && parts[0] == name ? String(parts[1]) : nil
    }

    /// Seconds in a compose duration: `40s`, `1m30s`, `90`.
    private func seconds(_ duration: String?) -> Int? {
        guard let duration else { return nil }
        if let plain = Int(duration) { return plain }
        var total = 0
        var digits = ""
        for character in duration {
            if character.isNumber { digits.append(character); continue }
            guard let number = Int(digits) else { return nil }
            switch character {
            case "h": total += number * 3600
            case "m": total += number * 60
            case "s": total += number
            default: return nil
            }
            digits = ""
        }
        return digits.isEmpty ? total : nil
    }
}
