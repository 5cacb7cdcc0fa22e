#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CorralDriver

/// `devices`: the host devices the task asks for, checked to exist and to be device nodes before the
/// start, so a typo is a setup failure naming the device rather than a driver error.
package struct DevicesHook: TaskPrestartHook {
    package let name = "devices"

    package init() {}

    package func prestart(_ request: PrestartRequest, context: TaskHookContext) async throws -> PrestartResponse {
        for (index, device) in context.task.devices.enumerated() {
            let attributes: [FileAttributeKey: Any]
            do {
                attributes = try FileManager.default.attributesOfItem(atPath: device.hostPath)
            } catch {
                throw HookFailure("devices[\(index)]: host device \(device.hostPath) does not exist")
            }
            let type = attributes[.type] as? FileAttributeType
            guard type == .typeCharacterSpecial || type == .typeBlockSpecial else {
                throw HookFailure("devices[\(index)]: \(device.hostPath) is not a device node")
            }
            guard !device.permissions.isEmpty, device.permissions.allSatisfy({ "rwm".contains($0) }) else {
                throw HookFailure("devices[\(index)]: permissions \"\(device.permissions)\" must be some of r, w, m")
            }
        }
        return PrestartResponse(devices: context.task.devices)
    }
}
