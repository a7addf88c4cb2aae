import ArgumentParser

import Foundation

/// A setting the operator got wrong. Reported as one line on standard error with
/// exit status 2, never as a crash or a page of usage text.
struct ConfigurationError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }

    /// Prints the error and exits with status 2.
    static func exit(_ error: ConfigurationError) -> ExitCode {
        var stderr = StandardError()
        print("receiptd: error: \(error.description)", to: &stderr)
        return ExitCode(2)
    }
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandle.standardError.write(Data(string.utf8))
    }
}
