@main
struct Receiptd {
    static func main() {
        print("receiptd: not built yet")
    }
}
