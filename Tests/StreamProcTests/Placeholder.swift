import Testing
@testable import StreamProc
