// Temporary stand-in; replaced by the real parser (branch agentconfig).
import CorralJobspec
public enum AgentConfigFile {
    public static func load(path: String, base: AgentSettings = AgentSettings()) throws(JobspecError) -> AgentSettings { base }
}
